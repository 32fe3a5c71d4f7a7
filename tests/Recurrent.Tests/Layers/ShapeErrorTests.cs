using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Layers;

/// <summary>Bad shapes get an exception whose message names the layer and the expected and actual shapes.</summary>
public class ShapeErrorTests
{
    private static Lstm<float> BuiltLstm()
    {
        var lstm = new Lstm<float>(6, name: "encoder");
        lstm.Build(4);
        return lstm;
    }

    [Fact]
    public void Wrong_input_rank_names_the_layer_and_the_shape()
    {
        var error = Assert.Throws<ShapeException>(() => BuiltLstm().Forward(Tensor<float>.Zeros(3, 4)));
        Assert.Equal("encoder: expected input of rank 3 [batch, time, features], got shape [3, 4].", error.Message);
    }

    [Fact]
    public void Wrong_feature_size_names_the_layer_and_both_shapes()
    {
        var error = Assert.Throws<ShapeException>(() => BuiltLstm().Forward(Tensor<float>.Zeros(3, 5, 7)));
        Assert.Equal("encoder: expected input shape [batch, time, 4], got [3, 5, 7].", error.Message);
    }

    [Fact]
    public void Wrong_initial_state_shape_names_the_state_and_both_shapes()
    {
        var error = Assert.Throws<ShapeException>(() => BuiltLstm().ForwardSequence(Tensor<float>.Zeros(3, 5, 4),
            [Tensor<float>.Zeros(3, 6), Tensor<float>.Zeros(3, 5)]));
        Assert.Equal("encoder: initial_state[1] (c) expected shape [3, 6], got [3, 5].", error.Message);
    }

    [Fact]
    public void Wrong_initial_state_count_says_which_states_are_expected()
    {
        var error = Assert.Throws<ShapeException>(() => BuiltLstm().ForwardSequence(Tensor<float>.Zeros(3, 5, 4), [Tensor<float>.Zeros(3, 6)]));
        Assert.Equal("encoder: expected 2 initial state tensor(s) (h, c), got 1.", error.Message);
    }

    [Fact]
    public void Mask_shape_mismatch_names_the_layer_and_both_shapes()
    {
        var error = Assert.Throws<ShapeException>(() => BuiltLstm().ForwardSequence(Tensor<float>.Zeros(3, 5, 4), mask: new bool[3, 4]));
        Assert.Equal("encoder: mask expected shape [3, 5], got [3, 4].", error.Message);
    }

    [Fact]
    public void SetWeights_with_a_wrong_shape_names_the_weight_and_both_shapes()
    {
        var error = Assert.Throws<ShapeException>(() => BuiltLstm().SetWeights(
            [Tensor<float>.Zeros(4, 24), Tensor<float>.Zeros(6, 12), Tensor<float>.Zeros(24)]));
        Assert.Equal("encoder: SetWeights weight 1 (recurrent_kernel) expected shape [6, 24], got [6, 12].", error.Message);
    }

    [Fact]
    public void SetWeights_with_a_wrong_count_lists_the_expected_weights()
    {
        var error = Assert.Throws<ShapeException>(() => new Gru<float>(6, useBias: false, name: "decoder").SetWeights(
            [Tensor<float>.Zeros(4, 18), Tensor<float>.Zeros(6, 18), Tensor<float>.Zeros(2, 18)]));
        Assert.Equal("decoder: SetWeights expected 2 weights (kernel, recurrent_kernel), got 3.", error.Message);
    }

    [Fact]
    public void Gru_reset_after_bias_has_two_rows()
    {
        var error = Assert.Throws<ShapeException>(() => new Gru<float>(6, name: "gru_a").SetWeights(
            [Tensor<float>.Zeros(4, 18), Tensor<float>.Zeros(6, 18), Tensor<float>.Zeros(18)]));
        Assert.Equal("gru_a: SetWeights weight 2 (bias) expected shape [2, 18], got [18].", error.Message);
    }

    [Fact]
    public void Wrong_output_gradient_shape_names_the_layer()
    {
        Lstm<float> lstm = BuiltLstm();
        lstm.Forward(Tensor<float>.Zeros(3, 5, 4));
        var error = Assert.Throws<ShapeException>(() => lstm.Backward(Tensor<float>.Zeros(3, 5, 6)));
        Assert.Equal("encoder: output gradient expected shape [3, 6], got [3, 5, 6].", error.Message);
    }

    [Fact]
    public void Backward_before_forward_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => BuiltLstm().Backward(Tensor<float>.Zeros(3, 6)));
        Assert.Equal("encoder: Backward called before Forward.", error.Message);
    }

    [Fact]
    public void Bidirectional_initial_states_are_split_forward_then_backward()
    {
        var layer = new Bidirectional<float>(new Gru<float>(6), name: "bi");
        var error = Assert.Throws<ShapeException>(() => layer.ForwardSequence(Tensor<float>.Zeros(3, 5, 4), [Tensor<float>.Zeros(3, 6)]));
        Assert.Equal("bi: expected an even number of initial state tensors (forward then backward), got 1.", error.Message);
    }

    [Fact]
    public void Tensor_with_data_of_the_wrong_size_says_both_sizes()
    {
        var error = Assert.Throws<ShapeException>(() => new Tensor<float>(new float[5], 2, 3));
        Assert.Equal("Tensor: shape [2, 3] holds 6 elements but the data has 5.", error.Message);
    }
}
