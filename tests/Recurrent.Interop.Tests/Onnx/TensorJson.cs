using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.Tensors;

namespace Recurrent.Interop.Tests.Onnx;

/// <summary>
/// The test cases the Python scripts write and read: <c>{"cases": [{"input": T, "output": T}, ...]}</c> with each
/// tensor T as <c>{"shape": [...], "data": [...]}</c> (ids as numbers).
/// </summary>
public static class TensorJson
{
    public static List<(Tensor<float> Input, Tensor<float> Output)> ReadCases(string path)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("cases").EnumerateArray().Select(c => (Read(c.GetProperty("input")), Read(c.GetProperty("output")))).ToList();
    }

    public static void WriteCases(string path, IEnumerable<(Tensor<float> Input, Tensor<float> Output)> cases) =>
        File.WriteAllText(path, new JsonObject { ["cases"] = new JsonArray(cases.Select(c => (JsonNode)new JsonObject { ["input"] = Write(c.Input), ["output"] = Write(c.Output) }).ToArray()) }.ToJsonString());

    private static Tensor<float> Read(JsonElement element) => new(
        element.GetProperty("data").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray(),
        element.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());

    private static JsonObject Write(Tensor<float> tensor) => new()
    {
        ["shape"] = new JsonArray(tensor.Shape.ToArray().Select(d => (JsonNode)d).ToArray()),
        ["data"] = new JsonArray(tensor.Data.Select(v => (JsonNode)v).ToArray()),
    };
}
