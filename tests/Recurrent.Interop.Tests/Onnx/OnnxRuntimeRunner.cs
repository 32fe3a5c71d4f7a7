using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Recurrent.Interop.Tests.Onnx;

/// <summary>Runs an ONNX model in ONNX Runtime on one input and returns every output by name.</summary>
public static class OnnxRuntimeRunner
{
    public static Dictionary<string, (int[] Shape, float[] Data)> Run(byte[] model, Recurrent.Tensors.Tensor<float> input, bool ids)
    {
        using var session = new InferenceSession(model);
        int[] dims = input.Shape.ToArray();
        NamedOnnxValue value = ids
            ? NamedOnnxValue.CreateFromTensor("input", new DenseTensor<long>(input.Data.Select(v => (long)v).ToArray(), dims))
            : NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(input.Data, dims));
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run([value]);
        return results.ToDictionary(r => r.Name, r =>
        {
            Tensor<float> tensor = r.AsTensor<float>();
            return (tensor.Dimensions.ToArray(), tensor.ToArray());
        });
    }
}
