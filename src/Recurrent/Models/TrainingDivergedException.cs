namespace Recurrent.Models;

/// <summary>
/// Thrown by <c>Fit</c> when the loss or a gradient stops being a finite number; the message says at which epoch
/// and batch, and which layer's weight first went wrong.
/// </summary>
public sealed class TrainingDivergedException(string message) : ArithmeticException(message);
