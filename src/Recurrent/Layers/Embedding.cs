using System.Numerics;
using Recurrent.Initializers;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>
/// Keras' <c>Embedding</c>: maps integer ids (stored as numbers in the input tensor) to learned vectors,
/// [B, T] → [B, T, outputDim]. With <c>maskZero</c>, id 0 is padding: it produces a mask that recurrent layers
/// downstream use to skip those steps (so the vocabulary must reserve id 0).
/// </summary>
/// <example>
/// <code>
/// var embedding = new Embedding&lt;float&gt;(inputDim: 5000, outputDim: 32, maskZero: true);
/// Tensor&lt;float&gt; vectors = embedding.Forward(ids);   // ids [4, 300] → [4, 300, 32]
/// </code>
/// </example>
public sealed class Embedding<T> : Layer<T> where T : struct, IFloatingPointIeee754<T>
{
    private Parameter<T>? _embeddings;
    // Made once: the optimizer reads the list on every step.
    private Parameter<T>[] _parameters = [];
    private int[] _ids = [];
    private int[] _inputShape = [];
    // Training workspaces reused from one batch to the next: the vectors, the padding mask and the (zero) input gradient.
    private readonly ShapeCache<Tensor<T>> _trainingOutput = new(), _inputGradient = new();
    private bool[,]? _trainingMask;

    /// <summary>Creates the layer; the embeddings start as U(±0.05), as in Keras.</summary>
    public Embedding(int inputDim, int outputDim, bool maskZero = false, Initializer? embeddingsInitializer = null,
        int? seed = null, string? name = null) : base(name, "embedding", seed)
    {
        if (inputDim <= 0) throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, $"{Name}: input_dim must be positive.");
        if (outputDim <= 0) throw new ArgumentOutOfRangeException(nameof(outputDim), outputDim, $"{Name}: output_dim must be positive.");
        InputDim = inputDim;
        OutputDim = outputDim;
        MaskZero = maskZero;
        EmbeddingsInitializer = embeddingsInitializer ?? Initializer.Uniform(-0.05, 0.05);
    }

    /// <summary>Vocabulary size: ids run from 0 to InputDim − 1.</summary>
    public int InputDim { get; }

    /// <summary>Length of each vector.</summary>
    public int OutputDim { get; }

    /// <summary>Treat id 0 as padding and output a mask.</summary>
    public bool MaskZero { get; }

    /// <summary>Initializer of the embedding matrix.</summary>
    public Initializer EmbeddingsInitializer { get; }

    /// <inheritdoc/>
    public override string TypeName => "Embedding";

    /// <inheritdoc/>
    public override bool IsBuilt => _embeddings is not null;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter<T>> Parameters => _parameters;

    /// <inheritdoc/>
    public override void Build(ReadOnlySpan<int> inputShape)
    {
        _embeddings = new Parameter<T>("embeddings", Tensor<T>.Zeros(InputDim, OutputDim));
        _parameters = [_embeddings];
        EmbeddingsInitializer.Fill(_embeddings.Value, Random);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) => [.. inputShape, OutputDim];

    /// <inheritdoc/>
    protected override void BuildFromWeights(IReadOnlyList<Tensor<T>> weights) => Build([]);

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input, bool[,]? mask, bool training, out bool[,]? outputMask)
    {
        Tensor<T> output = Forward(input, training);
        outputMask = null;
        if (MaskZero && input.Rank == 2)
        {
            // Inference hands the mask to the caller, so only training reuses it.
            bool reuse = training && _trainingMask is not null && _trainingMask.GetLength(0) == input.Dim(0) && _trainingMask.GetLength(1) == input.Dim(1);
            outputMask = reuse ? _trainingMask! : new bool[input.Dim(0), input.Dim(1)];
            if (training) _trainingMask = outputMask;
            for (int b = 0; b < input.Dim(0); b++)
                for (int t = 0; t < input.Dim(1); t++)
                    outputMask[b, t] = _ids[b * input.Dim(1) + t] != 0 && (mask is null || mask[b, t]);
        }
        return output;
    }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 1)
            throw new ShapeException($"{Name}: expected ids of shape [batch, ...], got shape {input.ShapeText}.");
        if (!IsBuilt) Build(input.Shape[1..]);
        if (_ids.Length != input.Length) _ids = new int[input.Length];
        for (int i = 0; i < input.Length; i++)
        {
            T value = input.Span[i];
            if (!T.IsInteger(value) || value < T.Zero || value >= T.CreateChecked(InputDim))
                throw new ArgumentException($"{Name}: id {value} at flat index {i} of input {input.ShapeText} is not an integer in [0, {InputDim}).");
            _ids[i] = int.CreateChecked(value);
        }
        if (!input.HasShape(_inputShape)) _inputShape = input.Shape.ToArray();
        Span<int> shape = stackalloc int[input.Rank + 1];
        input.Shape.CopyTo(shape);
        shape[^1] = OutputDim;
        // Lookup writes every element, so a reused training buffer needs no clearing.
        Tensor<T> output = training ? _trainingOutput.Get(shape) : Tensor<T>.Zeros(shape.ToArray());
        Lookup(_ids, output.Span);
        return output;
    }

    /// <summary>
    /// Writes the vectors of <paramref name="ids"/> one after another into <paramref name="vectors"/>, keeping nothing
    /// for a backward pass: a decoder step's allocation-free use.
    /// </summary>
    /// <exception cref="ArgumentException">An id is outside [0, InputDim).</exception>
    internal void Lookup(ReadOnlySpan<int> ids, Span<T> vectors)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)InputDim)
                throw new ArgumentException($"{Name}: id {ids[i]} at index {i} is not in [0, {InputDim}).");
            _embeddings!.Value.Span.Slice(ids[i] * OutputDim, OutputDim).CopyTo(vectors.Slice(i * OutputDim));
        }
    }

    /// <summary>Accumulates the gradient into the rows of the ids used; ids have no gradient, so the result is zeros.</summary>
    public override Tensor<T> Backward(Tensor<T> outputGradient)
    {
        if (_inputShape.Length == 0) throw new InvalidOperationException($"{Name}: Backward called before Forward.");
        // Checked in place: the expected shape is built only for the message.
        if (outputGradient.Rank != _inputShape.Length + 1 || outputGradient.Dim(outputGradient.Rank - 1) != OutputDim
            || !outputGradient.Shape[..^1].SequenceEqual(_inputShape))
            outputGradient.RequireShape(Name, "output gradient", [.. _inputShape, OutputDim]);
        Span<T> gradient = _embeddings!.Gradient.Span;
        for (int i = 0; i < _ids.Length; i++)
        {
            Span<T> row = gradient.Slice(_ids[i] * OutputDim, OutputDim);
            ReadOnlySpan<T> g = outputGradient.Span.Slice(i * OutputDim, OutputDim);
            for (int j = 0; j < OutputDim; j++) row[j] += g[j];
        }
        Tensor<T> inputGradient = _inputGradient.Get(_inputShape);
        inputGradient.Span.Clear();
        return inputGradient;
    }
}
