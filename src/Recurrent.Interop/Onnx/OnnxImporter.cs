using Google.Protobuf;
using Recurrent.IO;
using Recurrent.Models;
using Recurrent.Interop.Onnx.Proto;

namespace Recurrent.Interop.Onnx;

/// <summary>
/// Reads an ONNX graph of a recurrent network back into a <see cref="Sequential{T}"/> of our layers: graphs that
/// <c>torch.onnx.export</c> writes for <c>nn.RNN</c> / <c>nn.LSTM</c> / <c>nn.GRU</c> (batch_first, any layers,
/// bidirectional) with <c>nn.Embedding</c>, <c>nn.Linear</c> and activations, and graphs that
/// <see cref="OnnxExporter"/> writes. The graph is pattern-matched, not executed: shape plumbing that only builds
/// zero initial states is recognised and dropped, everything else must map onto a layer.
/// </summary>
/// <remarks>
/// Recognised: RNN / LSTM / GRU operators (zero or absent initial states, no sequence_lens, peepholes or clip) with
/// the Transpose / Squeeze / Reshape / Reduce plumbing around them; the last time step (<c>y[:, -1]</c>) of a
/// unidirectional layer and the final states <c>h_n[-1]</c> or <c>cat(h_n[-2], h_n[-1])</c>; Gather on a float
/// initializer as Embedding; Gemm, or MatMul then Add, as Dense; Relu, Tanh, Sigmoid, Softmax (last axis), Elu,
/// Selu, Softplus, Softsign, HardSigmoid and x·Sigmoid(x) as activations; Identity and Dropout. Anything else is
/// refused with a <see cref="NotSupportedException"/> naming the node. The graph must be opset 13 or later, with
/// one input (float [batch, time, features] or integer ids [batch, time]) and one output.
/// </remarks>
/// <example>
/// <code>
/// Sequential&lt;float&gt; model = OnnxImporter.Import("lstm.onnx");   // torch.onnx.export(..., opset_version=14)
/// Tensor&lt;float&gt; y = model.Predict(x);                          // x [batch, time, features]
/// </code>
/// </example>
public static class OnnxImporter
{
    /// <summary>The oldest default-domain opset read (Squeeze, ReduceSum and Softmax take their current forms from 13).</summary>
    public const int MinimumOpset = 13;

    // ONNX files are limited to 2 GB by protobuf; anything larger is not an ONNX model we could have written.
    private const long MaxFileBytes = int.MaxValue;

    /// <summary>Reads the ONNX model at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidModelFileException">The file cannot be read or is not a well-formed ONNX model; the message names the file and the problem.</exception>
    /// <exception cref="NotSupportedException">The graph holds a node or option that import does not recognise; the message names the file and the node.</exception>
    public static Sequential<float> Import(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            long length = new FileInfo(path).Length;
            if (length > MaxFileBytes) throw new InvalidModelFileException($"{path}: {length} bytes is larger than any ONNX model (2 GB).");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException and not InvalidModelFileException or UnauthorizedAccessException)
        {
            throw new InvalidModelFileException($"{path}: cannot be read ({e.Message}).", e);
        }
        return FromBytes(bytes, path);
    }

    /// <summary>Reads an ONNX model held in memory; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="InvalidModelFileException">The bytes are not a well-formed ONNX model.</exception>
    /// <exception cref="NotSupportedException">The graph holds a node or option that import does not recognise.</exception>
    public static Sequential<float> FromBytes(byte[] bytes, string source = "ONNX model")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidModelFileException($"{source}: not a valid ONNX file (protobuf: {e.Message}).", e);
        }
        if (model.Graph is null || model.IrVersion <= 0 || model.OpsetImport.Count == 0)
            throw new InvalidModelFileException($"{source}: not an ONNX model (no graph, IR version or opset; {bytes.Length} bytes).");
        OperatorSetIdProto? opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (opset is null || opset.Version < MinimumOpset)
            throw new NotSupportedException($"{source}: opset {(opset is null ? "of the default domain missing" : opset.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))}; import reads opset {MinimumOpset} or later (torch.onnx.export(..., opset_version=14)).");
        return new OnnxGraphReader(model.Graph, source).Read();
    }
}
