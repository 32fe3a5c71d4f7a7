using Recurrent.IO;
using Recurrent.Tensors;

namespace Recurrent.Tests.IO;

public class PyTorchWeightsTests
{
    private static Tensor<double> Counting(params int[] shape)
    {
        var t = Tensor<double>.Zeros(shape);
        for (int i = 0; i < t.Length; i++) t.Span[i] = i + 1;
        return t;
    }

    [Fact]
    public void Gru_swaps_the_reset_and_update_blocks_and_keeps_both_biases()
    {
        // H = 1, I = 1: PyTorch rows r, z, n = 1, 2, 3 → Keras columns z, r, h = 2, 1, 3.
        Tensor<double>[] keras = PyTorchWeights.ToKeras(RecurrentKind.Gru, Counting(3, 1), Counting(3, 1), Counting(3), Counting(3));
        Assert.Equal([2.0, 1.0, 3.0], keras[0].Data);
        Assert.Equal([2.0, 1.0, 3.0], keras[1].Data);
        Assert.Equal([2, 3], keras[2].Shape.ToArray());
        Assert.Equal([2.0, 1.0, 3.0, 2.0, 1.0, 3.0], keras[2].Data);
    }

    [Theory]
    [InlineData(RecurrentKind.SimpleRnn)]
    [InlineData(RecurrentKind.Lstm)]
    [InlineData(RecurrentKind.Gru)]
    public void Round_trip_through_keras_returns_the_same_weights(RecurrentKind kind)
    {
        int gates = kind switch { RecurrentKind.SimpleRnn => 1, RecurrentKind.Lstm => 4, _ => 3 };
        Tensor<double> weightIh = Counting(gates * 3, 2), weightHh = Counting(gates * 3, 3), biasIh = Counting(gates * 3);
        Tensor<double> biasHh = kind == RecurrentKind.Gru ? Counting(gates * 3) : Tensor<double>.Zeros(gates * 3);

        var (wIh, wHh, bIh, bHh) = PyTorchWeights.FromKeras(kind, PyTorchWeights.ToKeras(kind, weightIh, weightHh, biasIh, biasHh));

        Assert.Equal(weightIh.Data, wIh.Data);
        Assert.Equal(weightHh.Data, wHh.Data);
        Assert.Equal(biasIh.Data, bIh!.Data);
        Assert.Equal(biasHh.Data, bHh!.Data);
    }

    [Fact]
    public void Lstm_adds_the_two_biases()
    {
        Tensor<double>[] keras = PyTorchWeights.ToKeras(RecurrentKind.Lstm, Counting(4, 1), Counting(4, 1), Counting(4), Counting(4));
        Assert.Equal([2.0, 4.0, 6.0, 8.0], keras[2].Data);
    }

    [Fact]
    public void Reset_before_gru_has_no_pytorch_form()
    {
        var error = Assert.Throws<ShapeException>(() => PyTorchWeights.FromKeras(RecurrentKind.Gru,
            [Tensor<double>.Zeros(2, 3), Tensor<double>.Zeros(1, 3), Tensor<double>.Zeros(3)]));
        Assert.Contains("PyTorch has no reset_after=False GRU", error.Message);
    }

    [Fact]
    public void Wrong_pytorch_shape_names_the_tensor()
    {
        var error = Assert.Throws<ShapeException>(() => PyTorchWeights.ToKeras(RecurrentKind.Lstm, Counting(8, 2), Counting(8, 3)));
        Assert.Equal("PyTorch Lstm: weight_hh expected shape [8, 2], got [8, 3].", error.Message);
    }
}
