using Recurrent.Interop.Onnx;
using Recurrent.IO;
using Recurrent.Models;
using Xunit.Abstractions;

namespace Recurrent.Interop.Tests.Onnx;

/// <summary>
/// Truncated, bit-flipped and mislabelled copies of real ONNX and safetensors files (made here from the fixtures) give
/// an <see cref="InvalidModelFileException"/> or <see cref="NotSupportedException"/> naming the file, or load; never
/// another exception, a hang or an out-of-memory.
/// </summary>
public sealed class DamagedFileTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-damaged-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    // Runs load on a damaged file: either it loads, or it throws one of our two exceptions with the path in the message.
    private static string? Outcome(string path, Action<string> load)
    {
        try
        {
            load(path);
            return null;
        }
        catch (Exception e) when (e is InvalidModelFileException or NotSupportedException)
        {
            Assert.Contains(path, e.Message);
            return e.Message;
        }
    }

    private static void ImportOnnx(string path) => OnnxImporter.Import(path);

    private static readonly string[] Fixtures = ["gru_bi_embedding_h_n", "lstm_l2_sequence_softmax"];

    [Fact]
    public void Truncated_onnx_files_are_refused_naming_the_file()
    {
        foreach (string name in Fixtures)
        {
            byte[] bytes = File.ReadAllBytes(OnnxImportTests.FixturePath(name + ".onnx"));
            foreach (int length in new[] { 0, 1, 7, 64, bytes.Length / 3, bytes.Length / 2, bytes.Length - 40, bytes.Length - 1 })
            {
                string? message = Outcome(Write($"{name}_cut{length}.onnx", bytes[..length]), ImportOnnx);
                Assert.True(message is not null, $"{name} cut to {length} bytes loaded");
                log.WriteLine(message);
            }
        }
    }

    [Fact]
    public void Bit_flipped_onnx_files_load_or_are_refused_naming_the_file()
    {
        var random = new Random(5);
        int refused = 0, flips = 0;
        foreach (string name in Fixtures)
        {
            byte[] original = File.ReadAllBytes(OnnxImportTests.FixturePath(name + ".onnx"));
            for (int i = 0; i < 150; i++, flips++)
            {
                byte[] bytes = (byte[])original.Clone();
                int at = random.Next(bytes.Length), bit = random.Next(8);
                bytes[at] ^= (byte)(1 << bit);
                string? message = Outcome(Write($"{name}_flip{at}_{bit}.onnx", bytes), ImportOnnx);
                if (message is not null) refused++;
            }
        }
        // Most flips land in weights and load as slightly different numbers; the rest must be refused, not crash.
        log.WriteLine($"{refused} of {flips} flipped files refused");
        Assert.InRange(refused, 1, flips);
    }

    [Fact]
    public void Mislabelled_files_are_not_onnx_models()
    {
        byte[] safetensors = File.ReadAllBytes(StateDictOf("gru_bi_embedding_h_n"));
        foreach (var (name, bytes) in new[] { ("safetensors.onnx", safetensors), ("json.onnx", File.ReadAllBytes(OnnxImportTests.FixturePath("lstm_last_linear.json"))), ("empty.onnx", Array.Empty<byte>()) })
        {
            string path = Write(name, bytes);
            var error = Assert.Throws<InvalidModelFileException>(() => OnnxImporter.Import(path));
            Assert.StartsWith(path + ": not ", error.Message);
            log.WriteLine(error.Message);
        }
    }

    // A real state_dict: a PyTorch-exported model imported, then saved with PyTorch module "layerK" for our K-th layer.
    private string StateDictOf(string name)
    {
        Sequential<float> model = OnnxImporter.Import(OnnxImportTests.FixturePath(name + ".onnx"));
        string path = Path.Combine(_folder, name + ".safetensors");
        PyTorchStateDict.Save(model, path, Map(model));
        return path;
    }

    private static PyTorchModuleMap Map(Sequential<float> model)
    {
        var map = new PyTorchModuleMap();
        for (int k = 0; k < model.Layers.Count; k++)
            if (model.Layers[k].Parameters.Count > 0) map.Add($"layer{k}", model.Layers[k].Name);
        return map;
    }

    [Fact]
    public void Damaged_state_dicts_load_or_are_refused_naming_the_file()
    {
        string name = "gru_bi_embedding_h_n";
        byte[] original = File.ReadAllBytes(StateDictOf(name));
        void Load(string path)
        {
            Sequential<float> model = OnnxImporter.Import(OnnxImportTests.FixturePath(name + ".onnx"));
            PyTorchStateDict.Load(model, path, Map(model));
        }

        foreach (int length in new[] { 0, 5, 8, 100, original.Length / 2, original.Length - 1 })
            Assert.NotNull(Outcome(Write($"cut{length}.safetensors", original[..length]), Load));
        var random = new Random(6);
        int refused = 0;
        for (int i = 0; i < 150; i++)
        {
            byte[] bytes = (byte[])original.Clone();
            // Half the flips in the JSON header, where a flip changes names, shapes and offsets.
            int at = i % 2 == 0 ? random.Next(8, 8 + BitConverter.ToInt32(original, 0)) : random.Next(bytes.Length);
            bytes[at] ^= (byte)(1 << random.Next(8));
            if (Outcome(Write($"flip{i}.safetensors", bytes), Load) is not null) refused++;
        }
        log.WriteLine($"{refused} of 150 flipped state_dicts refused");
        Assert.InRange(refused, 1, 150);
        string onnx = Write("model.safetensors", File.ReadAllBytes(OnnxImportTests.FixturePath(name + ".onnx")));
        Assert.Contains(onnx, Assert.Throws<InvalidModelFileException>(() => Load(onnx)).Message);
    }
}
