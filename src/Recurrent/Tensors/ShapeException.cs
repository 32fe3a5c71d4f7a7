namespace Recurrent.Tensors;

/// <summary>
/// Thrown when a tensor's shape does not fit the operation or layer it is given to.
/// The message names the operation or layer and both the expected and the actual shape.
/// </summary>
public sealed class ShapeException : ArgumentException
{
    /// <summary>Creates the exception with a message naming the layer and both shapes.</summary>
    public ShapeException(string message) : base(message) { }
}
