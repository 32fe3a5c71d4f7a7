using System.Numerics;
using System.Text;

namespace Recurrent.Tensors;

/// <summary>
/// A dense row-major tensor of <typeparamref name="T"/> (float32 by default; float64 for gradient checks).
/// The data is a plain managed array that callers may read and write through <see cref="Span"/>.
/// </summary>
/// <typeparam name="T">The element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <example>
/// <code>
/// var x = Tensor&lt;float&gt;.Zeros(2, 3, 4);   // [batch 2, time 3, features 4]
/// x[1, 2, 3] = 1f;
/// Console.WriteLine(x.ShapeText);            // [2, 3, 4]
/// </code>
/// </example>
public sealed class Tensor<T> where T : struct, IFloatingPointIeee754<T>
{
    private readonly int[] _shape;

    /// <summary>Creates a tensor that wraps <paramref name="data"/> (not copied) with the given shape.</summary>
    /// <exception cref="ShapeException">The shape has a negative dimension or its size differs from the data length.</exception>
    public Tensor(T[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        long size = SizeOf(shape);
        if (size != data.Length)
            throw new ShapeException($"Tensor: shape {FormatShape(shape)} holds {size} elements but the data has {data.Length}.");
        Data = data;
        _shape = (int[])shape.Clone();
    }

    /// <summary>A new tensor of zeros.</summary>
    public static Tensor<T> Zeros(params int[] shape) => new(new T[checked(SizeOf(shape))], shape);

    /// <summary>A new tensor holding a copy of <paramref name="values"/> with the given shape.</summary>
    public static Tensor<T> FromValues(ReadOnlySpan<T> values, params int[] shape) => new(values.ToArray(), shape);

    /// <summary>The elements in row-major order.</summary>
    public T[] Data { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>The size of dimension <paramref name="axis"/>.</summary>
    public int Dim(int axis) => _shape[axis];

    /// <summary>The elements as a span.</summary>
    public Span<T> Span => Data;

    /// <summary>The shape as text, e.g. <c>[3, 5, 4]</c>, as used in error messages.</summary>
    public string ShapeText => FormatShape(_shape);

    /// <summary>Element access by full index.</summary>
    public T this[params int[] index]
    {
        get => Data[Offset(index)];
        set => Data[Offset(index)] = value;
    }

    /// <summary>A deep copy.</summary>
    public Tensor<T> Clone() => new((T[])Data.Clone(), _shape);

    /// <summary>A tensor sharing no data with this one whose elements are converted to <typeparamref name="TOther"/>.</summary>
    public Tensor<TOther> Cast<TOther>() where TOther : struct, IFloatingPointIeee754<TOther>
    {
        var result = new TOther[Data.Length];
        for (int i = 0; i < result.Length; i++) result[i] = TOther.CreateChecked(Data[i]);
        return new Tensor<TOther>(result, _shape);
    }

    /// <summary>A view with another shape of the same size over the same data.</summary>
    public Tensor<T> Reshape(params int[] shape) => new(Data, shape);

    /// <summary>True when the shapes are equal.</summary>
    public bool HasShape(ReadOnlySpan<int> shape) => _shape.AsSpan().SequenceEqual(shape);

    /// <summary>Throws a <see cref="ShapeException"/> naming <paramref name="owner"/> unless the shape equals <paramref name="expected"/>.</summary>
    public void RequireShape(string owner, string what, params ReadOnlySpan<int> expected)
    {
        if (!HasShape(expected))
            throw new ShapeException($"{owner}: {what} expected shape {FormatShape(expected)}, got {ShapeText}.");
    }

    /// <summary>Throws a <see cref="ShapeException"/> naming <paramref name="owner"/> unless the shape equals that of <paramref name="expected"/>.</summary>
    public void RequireShapeOf(string owner, string what, Tensor<T> expected)
    {
        if (!HasShape(expected.Shape))
            throw new ShapeException($"{owner}: {what} expected shape {expected.ShapeText}, got {ShapeText}.");
    }

    /// <summary>Formats a shape as <c>[d0, d1, ...]</c>.</summary>
    public static string FormatShape(ReadOnlySpan<int> shape)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) text.Append(", ");
            text.Append(shape[i]);
        }
        return text.Append(']').ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => $"Tensor<{typeof(T).Name}>{ShapeText}";

    private static long SizeOf(int[] shape)
    {
        long size = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ShapeException($"Tensor: negative dimension in shape {FormatShape(shape)}.");
            size *= d;
        }
        return size;
    }

    private int Offset(int[] index)
    {
        if (index.Length != _shape.Length)
            throw new ShapeException($"Tensor: index of rank {index.Length} used on a tensor of shape {ShapeText}.");
        int offset = 0;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)_shape[i])
                throw new IndexOutOfRangeException($"Tensor: index {FormatShape(index)} is outside shape {ShapeText}.");
            offset = offset * _shape[i] + index[i];
        }
        return offset;
    }
}
