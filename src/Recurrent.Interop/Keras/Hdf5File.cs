using System.Numerics;
using PureHDF;
using PureHDF.VOL.Native;
using Recurrent.IO;
using Recurrent.Tensors;

namespace Recurrent.Interop.Keras;

/// <summary>
/// The few HDF5 reads the Keras importer needs, over PureHDF, treating the file as untrusted: every failure of the
/// parser becomes an <see cref="InvalidModelFileException"/> naming the file and what was being read, and no array is
/// allocated from a size the file declares before that size is checked against the file's own length.
/// </summary>
internal sealed class Hdf5File : IDisposable
{
    private static readonly byte[] Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n'];

    // The most bytes chunked (possibly compressed) data may declare beyond the file's own length.
    private const long MaxInflatedBytes = 256L << 20;

    private readonly NativeFile _file;
    private readonly long _length;

    private Hdf5File(NativeFile file, long length, string source)
    {
        _file = file;
        _length = length;
        Source = source;
    }

    /// <summary>The file name used in messages.</summary>
    public string Source { get; }

    /// <summary>Opens <paramref name="stream"/> (readable, seekable; owned by the result) as HDF5.</summary>
    public static Hdf5File Open(Stream stream, string source)
    {
        try
        {
            // The HDF5 signature is checked here so a mislabelled file gets a plain answer rather than a parser error.
            Span<byte> signature = stackalloc byte[8];
            if (stream.ReadAtLeast(signature, 8, throwOnEndOfStream: false) < 8 || !signature.SequenceEqual(Signature))
                throw new InvalidModelFileException($"{source}: not an HDF5 file (no HDF5 signature at the start).");
            byte[] file = new byte[stream.Length];
            stream.Position = 0;
            stream.ReadExactly(file);
            Hdf5Structure.Check(file, source, InflatedLimit(file.Length));
            stream.Position = 0;
            return new Hdf5File(H5File.Open(stream, leaveOpen: false), stream.Length, source);
        }
        catch (Exception e) when (IsParserFailure(e))
        {
            stream.Dispose();
            throw new InvalidModelFileException($"{source}: the HDF5 structure is damaged ({e.Message}).", e);
        }
    }

    // Chunked data may be compressed, so it may declare more bytes than the file holds, within a ratio and a cap.
    private static long InflatedLimit(long length) => Math.Max(length, Math.Min(length * 1024, MaxInflatedBytes));

    /// <summary>Opens the file at <paramref name="path"/>.</summary>
    public static Hdf5File Open(string path) => Open(File.OpenRead(path), path);

    /// <summary>The root group.</summary>
    public IH5Group Root => _file;

    /// <summary>The group at <paramref name="path"/> under <paramref name="parent"/>, or null when there is no such link.</summary>
    public IH5Group? Group(IH5Group parent, string path) => Guard($"group '{path}'", () =>
        parent.LinkExists(path) ? parent.Get(path) as IH5Group ?? throw new InvalidModelFileException($"{Source}: '{path}' is not a group.") : null);

    /// <summary>The names of the children of <paramref name="group"/>.</summary>
    public IReadOnlyList<string> ChildNames(IH5Group group) => Guard($"the members of '{group.Name}'", () => group.Children().Select(c => c.Name).ToArray());

    /// <summary>Whether <paramref name="owner"/> has the attribute <paramref name="name"/>.</summary>
    public bool HasAttribute(IH5Object owner, string name) => Guard($"attribute '{name}'", () => owner.AttributeExists(name));

    /// <summary>A string attribute (scalar, fixed or variable length).</summary>
    public string StringAttribute(IH5Object owner, string name) => Guard($"attribute '{name}'", () =>
    {
        IH5Attribute attribute = owner.Attribute(name);
        RequireStrings(attribute, name);
        CheckSize(attribute.Space.Dimensions, (ulong)attribute.Type.Size, $"attribute '{name}'");
        string? text = attribute.Space.Type == H5DataspaceType.Scalar ? attribute.Read<string>() : string.Concat(attribute.Read<string[]>());
        return text ?? throw new InvalidModelFileException($"{Source}: attribute '{name}' holds no text (a damaged variable-length string).");
    });

    /// <summary>
    /// A list of strings stored as attribute <paramref name="name"/>, or, when Keras had to split a long list to fit
    /// HDF5's attribute size limit, as <c>name0</c>, <c>name1</c>, ... in order.
    /// </summary>
    public IReadOnlyList<string>? StringListAttribute(IH5Object owner, string name)
    {
        if (HasAttribute(owner, name)) return ReadStrings(owner, name);
        var parts = new List<string>();
        for (int chunk = 0; HasAttribute(owner, name + chunk); chunk++) parts.AddRange(ReadStrings(owner, name + chunk));
        return parts.Count > 0 || HasAttribute(owner, name + "0") ? parts : null;
    }

    private string[] ReadStrings(IH5Object owner, string name) => Guard($"attribute '{name}'", () =>
    {
        IH5Attribute attribute = owner.Attribute(name);
        // h5py stores an empty list (a layer without weights) as a zero-length float array.
        if (attribute.Space.Type == H5DataspaceType.Null || (attribute.Space.Type == H5DataspaceType.Simple && attribute.Space.Dimensions.Contains(0UL))) return [];
        RequireStrings(attribute, name);
        CheckSize(attribute.Space.Dimensions, (ulong)attribute.Type.Size, $"attribute '{name}'");
        string?[] strings = attribute.Space.Type == H5DataspaceType.Scalar ? [attribute.Read<string>()] : attribute.Read<string[]>();
        return strings.Any(text => text is null)
            ? throw new InvalidModelFileException($"{Source}: attribute '{name}' holds a missing string (a damaged variable-length string).")
            : strings.Select(text => text!).ToArray();
    });

    private void RequireStrings(IH5Attribute attribute, string name)
    {
        if (attribute.Type.Class is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength))
            throw new InvalidModelFileException($"{Source}: attribute '{name}' should hold text but holds {attribute.Type.Class}.");
    }

    /// <summary>The shape a dataset declares, read without touching its data.</summary>
    public int[] Shape(IH5Group parent, string path) => Guard($"dataset '{path}'", () => ShapeOf(Dataset(parent, path), path));

    /// <summary>The dataset at <paramref name="path"/> as a tensor of <typeparamref name="T"/> (float16/32/64 in the file are accepted).</summary>
    public Tensor<T> Read<T>(IH5Group parent, string path) where T : struct, IFloatingPointIeee754<T> => Guard($"dataset '{path}'", () =>
    {
        IH5Dataset dataset = Dataset(parent, path);
        int[] shape = ShapeOf(dataset, path);
        if (dataset.Type.Class != H5DataTypeClass.FloatingPoint)
            throw new InvalidModelFileException($"{Source}: dataset '{path}' holds {dataset.Type.Class} values, not floating point weights.");
        T[] values = dataset.Type.Size switch
        {
            4 => Array.ConvertAll(dataset.Read<float[]>(), T.CreateChecked),
            8 => Array.ConvertAll(dataset.Read<double[]>(), T.CreateChecked),
            2 => Array.ConvertAll(dataset.Read<Half[]>(), T.CreateChecked),
            var size => throw new InvalidModelFileException($"{Source}: dataset '{path}' holds {size}-byte floats; only 2, 4 and 8 bytes are supported."),
        };
        long declared = shape.Aggregate(1L, (n, d) => n * d);
        if (values.Length != declared)
            throw new InvalidModelFileException($"{Source}: dataset '{path}' declares {declared} values but holds {values.Length}.");
        return new Tensor<T>(values, shape);
    });

    private IH5Dataset Dataset(IH5Group parent, string path) =>
        parent.LinkExists(path) && parent.Get(path) is IH5Dataset dataset ? dataset
        : throw new InvalidModelFileException($"{Source}: weight dataset '{path}' is missing under '{parent.Name}'.");

    private int[] ShapeOf(IH5Dataset dataset, string path)
    {
        ulong[] dims = dataset.Space.Type == H5DataspaceType.Scalar ? [] : dataset.Space.Dimensions;
        // Contiguous and compact data must lie inside the file; chunked data may be compressed (see InflatedLimit).
        long bound = dataset.Layout.Class == H5DataLayoutClass.Chunked ? InflatedLimit(_length) : _length;
        CheckSize(dims, (ulong)dataset.Type.Size, $"dataset '{path}'", bound);
        return dims.Select(d => (int)d).ToArray();
    }

    private void CheckSize(ulong[] dims, ulong elementSize, string what, long? bound = null)
    {
        double bytes = Math.Max(1, elementSize);
        foreach (ulong d in dims) bytes *= d;
        if (bytes > (bound ?? _length) || dims.Any(d => d > int.MaxValue))
            throw new InvalidModelFileException($"{Source}: {what} declares [{string.Join(", ", dims)}] × {elementSize} bytes, more than the file holds ({_length} bytes).");
    }

    // PureHDF reports a damaged structure with whatever exception its decoder happens to hit; only ours and
    // cancellation pass through unchanged.
    private T Guard<T>(string what, Func<T> read)
    {
        try { return read(); }
        catch (Exception e) when (IsParserFailure(e))
        {
            throw new InvalidModelFileException($"{Source}: cannot read {what}: the HDF5 structure is damaged ({e.Message}).", e);
        }
    }

    private static bool IsParserFailure(Exception e) => e is not (InvalidModelFileException or OperationCanceledException);

    /// <inheritdoc/>
    public void Dispose() => _file.Dispose();
}
