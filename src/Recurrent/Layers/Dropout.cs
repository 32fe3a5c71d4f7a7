using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>
/// Keras' <c>Dropout</c>: in training, zeroes each element with probability <c>rate</c> and scales the rest by
/// 1 / (1 − rate) (inverted dropout), so inference is the identity.
/// </summary>
/// <example>
/// <code>
/// var dropout = new Dropout&lt;float&gt;(0.2, seed: 1);
/// Tensor&lt;float&gt; y = dropout.Forward(x, training: true);   // same shape as x
/// </code>
/// </example>
public sealed class Dropout<T> : WeightlessLayer<T> where T : struct, IFloatingPointIeee754<T>
{
    private T[]? _scale;
    private int[] _shape = [];

    /// <summary>Creates the layer; <paramref name="rate"/> must be in [0, 1).</summary>
    public Dropout(double rate, int? seed = null, string? name = null) : base(name, "dropout", seed)
    {
        if (rate is < 0 or >= 1 || double.IsNaN(rate))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"{Name}: rate must be in [0, 1).");
        Rate = rate;
    }

    /// <summary>Fraction of elements dropped in training.</summary>
    public double Rate { get; }

    /// <inheritdoc/>
    public override string TypeName => "Dropout";

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        _shape = input.Shape.ToArray();
        if (!training || Rate == 0)
        {
            _scale = null;
            return input.Clone();
        }
        if (_scale?.Length != input.Length) _scale = new T[input.Length];
        T kept = T.CreateChecked(1 / (1 - Rate));
        var output = Tensor<T>.Zeros(_shape);
        for (int i = 0; i < input.Length; i++)
        {
            _scale[i] = Random.NextDouble() < Rate ? T.Zero : kept;
            output.Span[i] = input.Span[i] * _scale[i];
        }
        return output;
    }

    /// <inheritdoc/>
    public override Tensor<T> Backward(Tensor<T> outputGradient)
    {
        outputGradient.RequireShape(Name, "output gradient", _shape);
        Tensor<T> inputGradient = outputGradient.Clone();
        if (_scale is not null)
            for (int i = 0; i < _scale.Length; i++) inputGradient.Span[i] *= _scale[i];
        return inputGradient;
    }
}
