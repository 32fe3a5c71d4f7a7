using Recurrent.Interop.Keras;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Models;

namespace Recurrent.Interop.Tests.Keras;

/// <summary>Truncated, bit-flipped and mislabelled copies of the Keras fixtures give typed errors naming the file.</summary>
public class KerasDamagedFileTests
{
    [Fact]
    public void Damaged_keras3_archives_fail_cleanly() =>
        DamagedCopies.Check(KerasFixture.PathOf("k3_bidirectional.keras"), "model.keras", path => KerasModel.Load<float>(path));

    [Fact]
    public void Damaged_keras2_weights_files_with_architecture_fail_cleanly() =>
        DamagedCopies.Check(KerasFixture.PathOf("k2_masked_lstm.weights.h5"), "weights.h5",
            path => KerasModel.Load<float>(path, KerasFixture.PathOf("k2_masked_lstm.json")));

    [Fact]
    public void Damaged_keras3_weights_files_fail_cleanly() =>
        DamagedCopies.Check(KerasFixture.PathOf("k3_gru_stack.weights.h5"), "m.weights.h5", path =>
            KerasWeights.LoadInto(new Sequential<float>([new Gru<float>(3, resetAfter: false, returnSequences: true), new Dropout<float>(0.5),
                new SimpleRnn<float>(4, "relu"), new Dense<float>(3), new Dense<float>(1)], inputShape: [-1, 2]), path));

    [Fact]
    public void Damaged_architecture_json_fails_cleanly() =>
        DamagedCopies.Check(KerasFixture.PathOf("k2_masked_lstm.json"), "model.json",
            path => KerasModel.Load<float>(KerasFixture.PathOf("k2_masked_lstm.weights.h5"), path), flips: 100);

    [Fact]
    public void A_file_that_is_neither_hdf5_nor_a_zip_is_named_as_such()
    {
        string path = Path.Combine(Path.GetTempPath(), $"not-keras-{Guid.NewGuid():N}.h5");
        File.WriteAllText(path, "{\"class_name\": \"Sequential\"}");
        try
        {
            var error = Assert.Throws<InvalidModelFileException>(() => KerasModel.Load<float>(path));
            Assert.Equal($"{path}: not an HDF5 file (no HDF5 signature at the start).", error.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_keras_archive_with_the_h5_extension_is_still_read_as_an_archive()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mislabelled-{Guid.NewGuid():N}.h5");
        File.Copy(KerasFixture.PathOf("k3_bidirectional.keras"), path);
        try { Assert.Equal(4, KerasModel.Load<float>(path).Layers.Count + 1); }
        finally { File.Delete(path); }
    }

    // PureHDF allocates a heap's declared size before reading it; such sizes are checked against the file first.
    [Theory]
    // A damaged version or reserved byte does not stop PureHDF from reading a global heap, so it must not stop the
    // check either (found by the 1,000,000-input fuzzing runs).
    [InlineData("HEAP", "the local heap at byte", -1)]
    [InlineData("GCOL", "the global heap at byte", -1)]
    [InlineData("GCOL", "the global heap at byte", 4)]
    [InlineData("GCOL", "the global heap at byte", 6)]
    public void A_heap_declaring_more_than_the_file_holds_is_refused_before_it_is_read(string signature, string message, int damagedHeaderByte)
    {
        byte[] bytes = File.ReadAllBytes(KerasFixture.PathOf("k2_lambda.h5"));
        int at = bytes.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(signature));
        Assert.True(at > 0, $"the fixture has no {signature}");
        if (damagedHeaderByte >= 0) bytes[at + damagedHeaderByte] = 0x5A;
        BitConverter.GetBytes(1UL << 40).CopyTo(bytes, at + 8);   // the size field right after the 8-byte header start
        string path = Path.Combine(Path.GetTempPath(), $"heap-{Guid.NewGuid():N}.h5");
        File.WriteAllBytes(path, bytes);
        try
        {
            var error = Assert.Throws<InvalidModelFileException>(() => KerasModel.Load<float>(path));
            Assert.StartsWith($"{path}: {message}", error.Message);
        }
        finally { File.Delete(path); }
    }
}
