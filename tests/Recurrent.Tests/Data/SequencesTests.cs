using Recurrent.Data;
using Recurrent.Tensors;

namespace Recurrent.Tests.Data;

// Expected values follow the examples in Keras' pad_sequences and to_categorical docstrings.
public class SequencesTests
{
    private static readonly int[][] Ragged = [[1], [2, 3], [4, 5, 6]];

    [Fact]
    public void Pad_defaults_to_pre_padding_to_the_longest_sequence()
    {
        Tensor<float> padded = Sequences.Pad<float>(Ragged);

        Assert.Equal([3, 3], padded.Shape.ToArray());
        Assert.Equal([0f, 0, 1, 0, 2, 3, 4, 5, 6], padded.Data);
    }

    [Fact]
    public void Pad_uses_the_given_value_and_post_padding()
    {
        Assert.Equal([-1.0, -1, 1, -1, 2, 3, 4, 5, 6], Sequences.Pad<double>(Ragged, value: -1).Data);
        Assert.Equal([1.0, 0, 0, 2, 3, 0, 4, 5, 6], Sequences.Pad<double>(Ragged, padding: Padding.Post).Data);
    }

    [Fact]
    public void Pad_truncates_from_the_start_by_default_and_from_the_end_on_request()
    {
        Assert.Equal([0f, 1, 2, 3, 5, 6], Sequences.Pad<float>(Ragged, maxLength: 2).Data);
        Assert.Equal([0f, 1, 2, 3, 4, 5], Sequences.Pad<float>(Ragged, maxLength: 2, truncating: Truncating.Post).Data);
        Assert.Equal([1f, 9, 2, 3, 4, 5], Sequences.Pad<float>(Ragged, maxLength: 2, padding: Padding.Post, truncating: Truncating.Post, value: 9).Data);
    }

    [Fact]
    public void Pad_turns_an_empty_sequence_into_padding_and_longer_max_length_pads_all()
    {
        Tensor<float> padded = Sequences.Pad<float>([[], [7, 8]], maxLength: 4);

        Assert.Equal([2, 4], padded.Shape.ToArray());
        Assert.Equal([0f, 0, 0, 0, 0, 0, 7, 8], padded.Data);
    }

    [Fact]
    public void Pad_refuses_a_non_positive_max_length()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Sequences.Pad<float>(Ragged, maxLength: 0));

        Assert.Contains("maxLength", error.Message);
    }

    [Fact]
    public void To_categorical_one_hot_encodes_on_a_new_last_axis()
    {
        Tensor<float> oneHot = Sequences.ToCategorical<float>([0, 1, 2, 3], numClasses: 4);

        Assert.Equal([4, 4], oneHot.Shape.ToArray());
        Assert.Equal([1f, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], oneHot.Data);
    }

    [Fact]
    public void To_categorical_infers_the_class_count_from_the_largest_label()
    {
        Tensor<double> oneHot = Sequences.ToCategorical<double>([2, 0]);

        Assert.Equal([2, 3], oneHot.Shape.ToArray());
        Assert.Equal([0.0, 0, 1, 1, 0, 0], oneHot.Data);
    }

    [Fact]
    public void To_categorical_of_a_tensor_keeps_its_shape_and_drops_a_trailing_axis_of_one()
    {
        Tensor<float> column = Tensor<float>.FromValues([1, 0, 1], 3, 1);
        Tensor<float> sequences = Tensor<float>.FromValues([0, 1, 1, 0], 2, 2);

        Assert.Equal([3, 2], Sequences.ToCategorical(column).Shape.ToArray());
        Tensor<float> perStep = Sequences.ToCategorical(sequences, numClasses: 3);
        Assert.Equal([2, 2, 3], perStep.Shape.ToArray());
        Assert.Equal([1f, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0], perStep.Data);
    }

    [Fact]
    public void To_categorical_names_the_index_of_a_label_out_of_range()
    {
        var error = Assert.Throws<ArgumentException>(() => Sequences.ToCategorical<float>([0, 3, 1], numClasses: 3));

        Assert.Contains("label 3 at index 1 is out of range", error.Message);
        Assert.Contains("0 to 2", error.Message);
    }

    [Fact]
    public void To_categorical_refuses_negative_labels()
    {
        var error = Assert.Throws<ArgumentException>(() => Sequences.ToCategorical<float>([0, -1]));

        Assert.Contains("label -1 at index 1", error.Message);
    }

    [Fact]
    public void To_categorical_refuses_a_fractional_label_and_names_its_position()
    {
        Tensor<float> labels = Tensor<float>.FromValues([0, 1, 2, 1.5f], 2, 2);

        var error = Assert.Throws<ArgumentException>(() => Sequences.ToCategorical(labels, 3));

        Assert.Contains("label 1.5 at index [1, 1] is not a whole number", error.Message);
    }

    [Fact]
    public void NGrams_are_every_prefix_of_length_two_or_more()
    {
        List<int[]> grams = Sequences.NGrams([[5, 6, 7, 8], [9], [1, 2]]);

        Assert.Equal([[5, 6], [5, 6, 7], [5, 6, 7, 8], [1, 2]], grams);
    }

    [Fact]
    public void NGrams_padded_pre_give_next_word_inputs_and_targets()
    {
        Tensor<float> padded = Sequences.Pad<float>(Sequences.NGrams([[5, 6, 7]]));

        // Column order: the input is all but the last column, the target the last.
        Assert.Equal([0f, 5, 6, 5, 6, 7], padded.Data);
    }
}
