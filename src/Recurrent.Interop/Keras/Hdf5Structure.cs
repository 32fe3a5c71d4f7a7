using System.Buffers.Binary;
using Recurrent.IO;

namespace Recurrent.Interop.Keras;

/// <summary>
/// Checks an HDF5 file's structure before PureHDF decodes it. PureHDF allocates whatever size a structure declares
/// before reading it (attribute data, fill values, enum values, link names, compact data, heaps, chunks: up to 2 GB
/// each) and follows addresses without looking for cycles, so a damaged file could cost gigabytes or never return.
/// This walk visits what PureHDF can reach from the root group — object headers with their continuation blocks, group
/// B-trees, symbol table nodes, local heaps, shared messages, hard links — and refuses declared sizes larger than the
/// bytes that hold them, structures that run past the end of the file, and cycles. Each structure is visited once,
/// so the walk is bounded by the file's length. Groups with dense link storage (fractal heaps, HDF5 1.8 "latest"
/// format; Keras and h5py do not write them) are not walked.
/// </summary>
internal sealed class Hdf5Structure
{
    // Object header message types whose declared sizes PureHDF trusts, and the ones that point elsewhere.
    private const int DatatypeMessage = 0x03, OldFillValueMessage = 0x04, FillValueMessage = 0x05, LinkMessage = 0x06,
        LayoutMessage = 0x08, AttributeMessage = 0x0C, ContinuationMessage = 0x10, SymbolTableMessage = 0x11;

    // Types HDF5 may store once and share (message flag bit 1): PureHDF then decodes the header that holds them.
    private static readonly int[] Shareable = [0x01, DatatypeMessage, OldFillValueMessage, FillValueMessage, 0x0B, AttributeMessage];

    private readonly byte[] _file;
    private readonly string _source;
    private readonly int _offsetSize, _lengthSize;
    private readonly ulong _base;
    private readonly long _chunkLimit;
    private readonly HashSet<ulong> _headers = [], _heaps = [], _symbolNodes = [], _treesDone = [], _treesOpen = [];
    private readonly Stack<ulong> _pendingHeaders = new();
    private readonly HashSet<ulong> _sharing = [], _shared = [];

    private Hdf5Structure(byte[] file, string source, int offsetSize, int lengthSize, ulong baseAddress, long chunkLimit)
    {
        (_file, _source, _offsetSize, _lengthSize, _base, _chunkLimit) = (file, source, offsetSize, lengthSize, baseAddress, chunkLimit);
    }

    /// <summary>
    /// Refuses <paramref name="file"/> (a whole HDF5 file) with an <see cref="InvalidModelFileException"/> naming
    /// <paramref name="source"/> when it is truncated or a structure PureHDF may decode is damaged in a way PureHDF
    /// would pay for in memory or time. A chunk of chunked data may declare up to <paramref name="chunkLimit"/> bytes.
    /// </summary>
    public static void Check(byte[] file, string source, long chunkLimit)
    {
        var (version, offsetSize, lengthSize, baseAt) = Superblock(file, source);
        ulong Address(int at) => ReadNumber(file, (ulong)at, offsetSize);
        ulong baseAddress = Address(baseAt), end = baseAddress + Address(baseAt + 2 * offsetSize);
        // The superblock records where the file ends; a truncated file is caught here even when the part that is
        // gone holds nothing we read (Keras puts optimizer state last), instead of loading as if nothing were wrong.
        if (end > (ulong)file.Length || end < baseAddress)
            throw new InvalidModelFileException($"{source}: the file is truncated: HDF5 says it ends at byte {end}, but it has {file.Length} bytes.");
        var check = new Hdf5Structure(file, source, offsetSize, lengthSize, baseAddress, chunkLimit);
        check.CheckHeapSignatures();
        if (version < 2)
        {
            // The root group's symbol table entry follows the base, free-space, end-of-file and driver addresses.
            int entry = baseAt + 4 * offsetSize;
            check._pendingHeaders.Push(Address(entry + offsetSize));
            check.ScratchPad((ulong)entry);
        }
        else check._pendingHeaders.Push(Address(baseAt + 3 * offsetSize));
        while (check._pendingHeaders.TryPop(out ulong header)) check.Header(header);
        // A shared message in a header that shares messages itself can make PureHDF decode headers in a circle.
        if (check._shared.Overlaps(check._sharing))
            throw new InvalidModelFileException($"{source}: a shared HDF5 message lives in an object header that shares messages itself; the file is damaged.");
    }

    private static (int Version, int OffsetSize, int LengthSize, int BaseAt) Superblock(byte[] file, string source)
    {
        int version = file.Length > 8 ? file[8] : -1;
        int offsetSize = version is 0 or 1 && file.Length > 13 ? file[13] : file.Length > 9 ? file[9] : 0;
        int lengthSize = version is 0 or 1 && file.Length > 14 ? file[14] : file.Length > 10 ? file[10] : 0;
        int baseAt = version switch { 0 => 24, 1 => 28, 2 or 3 => 12, _ => -1 };
        if (baseAt < 0 || offsetSize is not (2 or 4 or 8) || lengthSize is not (2 or 4 or 8) || baseAt + 4 * offsetSize + 2 * offsetSize > file.Length)
            throw new InvalidModelFileException($"{source}: the HDF5 superblock is damaged (version {version}, {offsetSize}-byte offsets).");
        return (version, offsetSize, lengthSize, baseAt);
    }

    private static ulong ReadNumber(byte[] file, ulong at, int size) => at > (ulong)file.Length || (ulong)size > (ulong)file.Length - at ? ulong.MaxValue : size switch
    {
        1 => file[at],
        2 => BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan((int)at)),
        4 => BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)at)),
        _ => BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan((int)at)),
    };

    private ulong Number(ulong at, int size) => ReadNumber(_file, at, size);

    private ulong Length => (ulong)_file.Length;

    // The file position of an HDF5 address (addresses count from the base address), or ulong.MaxValue past the end.
    private ulong Position(ulong address) => address >= Length - Math.Min(_base, Length) ? ulong.MaxValue : _base + address;

    private bool HasSignature(ulong at, ReadOnlySpan<byte> signature) =>
        at <= Length - 4 && _file.AsSpan((int)at, 4).SequenceEqual(signature);

    private InvalidModelFileException Damaged(string what) => new($"{_source}: {what}; the file is damaged.");

    // PureHDF allocates a heap's declared size before it reads it. Every local heap ("HEAP") and global heap
    // collection ("GCOL") in the file, with each object of the collections, is checked against the file's length;
    // the local heaps of the groups walked below are checked again at their exact addresses.
    private void CheckHeapSignatures()
    {
        ReadOnlySpan<byte> bytes = _file;
        for (int at = bytes.IndexOf("HEAP"u8); at >= 0; at = Next(bytes, "HEAP"u8, at))
            if (at + 8 <= bytes.Length && bytes[at + 4] == 0 && bytes[(at + 5)..(at + 8)].IndexOfAnyExcept((byte)0) < 0) LocalHeapAt((ulong)at);
        for (int at = bytes.IndexOf("GCOL"u8); at >= 0; at = Next(bytes, "GCOL"u8, at))
        {
            // PureHDF (2.2) decodes a "GCOL" whatever its version and reserved bytes say, so damage there must not
            // hide a collection from this check.
            if (at + 8 > bytes.Length) continue;
            ulong size = Number((ulong)at + 8, _lengthSize);
            if (size > Length - (ulong)at)
                throw new InvalidModelFileException($"{_source}: the global heap at byte {at} declares {size} bytes, beyond the end of the file ({Length} bytes).");
            ulong end = (ulong)at + size, position = (ulong)(at + 8 + _lengthSize);
            // PureHDF reads objects while more than an object header remains, and its count of what remains wraps
            // around if an object (with its padding to 8 bytes) overruns the collection, so every object must end
            // inside it.
            while (position + 8 + (ulong)_lengthSize < end)
            {
                if (Number(position, 2) == 0) break;   // index 0: the collection's free space
                ulong objectSize = Number(position + 8, _lengthSize), data = position + 8 + (ulong)_lengthSize;
                if (objectSize > end - data || (objectSize + 7) / 8 * 8 > end - data)
                    throw new InvalidModelFileException($"{_source}: an object of the global heap at byte {at} declares {objectSize} bytes, more than its collection holds.");
                position = data + (objectSize + 7) / 8 * 8;
            }
        }
    }

    private static int Next(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> signature, int after)
    {
        int found = bytes[(after + 1)..].IndexOf(signature);
        return found < 0 ? -1 : after + 1 + found;
    }

    private void LocalHeap(ulong address)
    {
        ulong at = Position(address);
        if (at != ulong.MaxValue && HasSignature(at, "HEAP"u8) && _heaps.Add(at)) LocalHeapAt(at);
    }

    private void LocalHeapAt(ulong at)
    {
        ulong size = Number(at + 8, _lengthSize), data = Position(Number(at + 8 + 2 * (ulong)_lengthSize, _offsetSize));
        if (size > Length || data > Length - Math.Min(size, Length))
            throw new InvalidModelFileException($"{_source}: the local heap at byte {at} declares {size} bytes at byte {data}, beyond the end of the file ({Length} bytes).");
    }

    // A symbol table entry's scratch pad may cache its group's B-tree and local heap, which PureHDF then uses.
    private void ScratchPad(ulong entry)
    {
        ulong pad = entry + 2 * (ulong)_offsetSize;
        if (Number(pad, 4) != 1) return;
        Group(Number(pad + 8, _offsetSize), Number(pad + 8 + (ulong)_offsetSize, _offsetSize));
    }

    private void Group(ulong tree, ulong heap)
    {
        LocalHeap(heap);
        GroupTree(tree);
    }

    // A version 1 B-tree of a group: inner nodes point to nodes one level down, leaves to symbol table nodes.
    private void GroupTree(ulong address)
    {
        ulong at = Position(address);
        if (at == ulong.MaxValue || !HasSignature(at, "TREE"u8) || _treesDone.Contains(at)) return;
        if (!_treesOpen.Add(at)) throw Damaged($"the group B-tree node at byte {at} is its own descendant");
        ulong level = Number(at + 5, 1);
        ulong entries = Number(at + 6, 2), first = at + 8 + 2 * (ulong)_offsetSize + (ulong)_lengthSize;
        for (ulong i = 0; i < entries; i++)
        {
            ulong child = Number(first + i * (ulong)(_offsetSize + _lengthSize), _offsetSize);
            if (child == ulong.MaxValue) throw Damaged($"the group B-tree node at byte {at} runs past the end of the file");
            if (level > 0) GroupTree(child);
            else SymbolNode(child);
        }
        _treesOpen.Remove(at);
        _treesDone.Add(at);
    }

    private void SymbolNode(ulong address)
    {
        ulong at = Position(address);
        if (at == ulong.MaxValue || !HasSignature(at, "SNOD"u8) || !_symbolNodes.Add(at)) return;
        ulong count = Number(at + 6, 2), entrySize = 2 * (ulong)_offsetSize + 24;
        if (count == ulong.MaxValue || at + 8 + count * entrySize > Length)
            throw Damaged($"the symbol table node at byte {at} declares {count} entries, beyond the end of the file");
        for (ulong i = 0; i < count; i++)
        {
            ulong entry = at + 8 + i * entrySize;
            _pendingHeaders.Push(Number(entry + (ulong)_offsetSize, _offsetSize));
            ScratchPad(entry);
        }
    }

    // An object header, version 1 (no signature) or 2 ("OHDR"), and its continuation blocks.
    private void Header(ulong address)
    {
        ulong at = Position(address);
        if (at == ulong.MaxValue || !_headers.Add(address)) return;
        var blocks = new Stack<(ulong Start, ulong Size)>();
        var seen = new HashSet<ulong>();
        int version;
        bool creationOrder = false;
        if (Number(at, 1) == 1)
        {
            version = 1;
            blocks.Push((at + 16, Number(at + 8, 4)));
        }
        else if (HasSignature(at, "OHDR"u8) && Number(at + 4, 1) == 2)
        {
            version = 2;
            int flags = (int)Number(at + 5, 1);
            creationOrder = (flags & 0x04) != 0;
            ulong sizeAt = at + 6 + ((flags & 0x20) != 0 ? 16UL : 0) + ((flags & 0x10) != 0 ? 4UL : 0);
            int width = 1 << (flags & 0x03);
            blocks.Push((sizeAt + (ulong)width, Number(sizeAt, width)));
        }
        else return;   // PureHDF refuses it itself, before allocating anything
        while (blocks.TryPop(out var block))
        {
            foreach (var (offset, length) in Messages(address, version, creationOrder, block.Start, block.Size))
            {
                ulong start = Position(offset);
                if (!seen.Add(offset)) throw Damaged($"the object header at byte {at} continues into the same block twice");
                if (start == ulong.MaxValue) throw Damaged($"the object header at byte {at} continues beyond the end of the file");
                if (version == 1) blocks.Push((start, length));
                else if (HasSignature(start, "OCHK"u8) && length >= 8) blocks.Push((start + 4, length - 8));
                else throw Damaged($"the object header at byte {at} continues into byte {start}, which is no continuation block");
            }
        }
    }

    // The messages of one block of an object header; returns the continuation blocks they point to.
    private List<(ulong Offset, ulong Length)> Messages(ulong header, int version, bool creationOrder, ulong start, ulong size)
    {
        if (start > Length || size > Length - start)
            throw Damaged($"the object header block at byte {start} declares {size} bytes, beyond the end of the file ({Length} bytes)");
        ulong end = start + size, prefix = version == 1 ? 8UL : creationOrder ? 6UL : 4UL, gap = version == 1 ? 0 : prefix;
        var continuations = new List<(ulong, ulong)>();
        for (ulong at = start; end - at > gap;)
        {
            if (end - at < prefix) throw Damaged($"the object header block at byte {start} ends inside a message");
            int type = (int)Number(at, version == 1 ? 2 : 1);
            ulong messageSize = Number(at + (version == 1 ? 2UL : 1UL), 2), data = at + prefix;
            ulong flags = Number(at + (version == 1 ? 4UL : 3UL), 1);
            if (messageSize > end - data)
                throw Damaged($"the object header message at byte {at} declares {messageSize} bytes, more than its block holds");
            if ((flags & 0x02) != 0 && Shareable.Contains(type)) SharedMessage(header, data);
            else if (type == ContinuationMessage) continuations.Add((Number(data, _offsetSize), Number(data + (ulong)_offsetSize, _lengthSize)));
            else Message(header, type, data, data + messageSize);
            at = data + messageSize;
        }
        return continuations;
    }

    private void SharedMessage(ulong header, ulong data)
    {
        ulong version = Number(data, 1);
        ulong target = Number(data + (version == 1 ? 8UL : 2UL), _offsetSize);
        _sharing.Add(header);
        _shared.Add(target);
        _pendingHeaders.Push(target);
    }

    private void Message(ulong header, int type, ulong data, ulong end)
    {
        switch (type)
        {
            case AttributeMessage: Attribute(header, data, end); break;
            case DatatypeMessage: Datatype(data, end, depth: 0); break;
            case OldFillValueMessage: Declared(Number(data, 4), data + 4, end, "a fill value"); break;
            case FillValueMessage: FillValue(data, end); break;
            case LayoutMessage: Layout(data, end); break;
            case LinkMessage: Link(data, end); break;
            case SymbolTableMessage: Group(Number(data, _offsetSize), Number(data + (ulong)_offsetSize, _offsetSize)); break;
        }
    }

    // A size declared at some point of a message must fit in what is left of it: PureHDF allocates it first.
    private void Declared(double bytes, ulong from, ulong end, string what)
    {
        if (from > end || bytes > end - from)
            throw Damaged($"{what} at byte {from} declares {bytes} bytes, more than its object header message holds ({(from > end ? 0 : end - from)})");
    }

    private void FillValue(ulong data, ulong end)
    {
        ulong version = Number(data, 1);
        if (version is 1 or 2 && Number(data + 3, 1) == 1) Declared(Number(data + 4, 4), data + 8, end, "a fill value");
        else if (version == 3 && (Number(data + 1, 1) & 0x30) == 0x20) Declared(Number(data + 2, 4), data + 6, end, "a fill value");
    }

    private void Layout(ulong data, ulong end)
    {
        ulong version = Number(data, 1);
        if (version is 1 or 2)
        {
            ulong rank = Number(data + 1, 1), layoutClass = Number(data + 2, 1);
            ulong dims = data + 8 + (layoutClass == 0 ? 0 : (ulong)_offsetSize);
            if (layoutClass == 0) Declared(Number(dims + 4 * rank, 4), dims + 4 * rank + 4, end, "a compact dataset");
            else if (layoutClass == 2) Chunk(dims, rank, 4, data);
        }
        else if (version == 3 && Number(data + 1, 1) == 2) Chunk(data + 3 + (ulong)_offsetSize, Number(data + 2, 1), 4, data);
        else if (version == 4 && Number(data + 1, 1) == 2) Chunk(data + 5, Number(data + 3, 1), (int)Number(data + 4, 1), data);
    }

    // PureHDF allocates a whole chunk (the product of the chunk's dimensions, in bytes) to read chunked data.
    private void Chunk(ulong dims, ulong rank, int width, ulong message)
    {
        double bytes = 1;
        for (ulong i = 0; i < rank; i++) bytes *= Number(dims + i * (ulong)width, width is 1 or 2 or 4 or 8 ? width : 8);
        if (bytes > _chunkLimit)
            throw Damaged($"the chunked layout at byte {message} declares chunks of {bytes} bytes (at most {_chunkLimit} are read)");
    }

    private void Link(ulong data, ulong end)
    {
        int flags = (int)Number(data + 1, 1);
        ulong at = data + 2 + ((flags & 0x08) != 0 ? 1UL : 0) + ((flags & 0x04) != 0 ? 8UL : 0) + ((flags & 0x10) != 0 ? 1UL : 0);
        int width = 1 << (flags & 0x03);
        ulong nameLength = Number(at, width), name = at + (ulong)width;
        Declared(nameLength, name, end, "a link name");
        bool hard = (flags & 0x08) == 0 || Number(data + 2, 1) == 0;
        if (hard) _pendingHeaders.Push(Number(name + nameLength, _offsetSize));
    }

    private void Attribute(ulong header, ulong data, ulong end)
    {
        ulong version = Number(data, 1), flags = version == 1 ? 0 : Number(data + 1, 1);
        ulong at = data + 8 + (version == 3 ? 1UL : 0);
        // The name is read up to its terminating zero (version 1: padded to 8 bytes), as PureHDF does.
        int zero = at < end ? _file.AsSpan((int)at, (int)(end - at)).IndexOf((byte)0) : -1;
        if (zero < 0) return;   // PureHDF reads on past the message and fails on its padding, having allocated nothing large
        at += (ulong)(version == 1 ? (zero + 8) / 8 * 8 : zero + 1);
        ulong datatypeSize = Number(data + 4, 2), dataspaceSize = Number(data + 6, 2);
        double elementSize = 1;
        ulong? consumed;
        if ((flags & 0x01) == 0)
        {
            consumed = Datatype(at, end, depth: 0);
            elementSize = Math.Max(1, Number(at + 4, 4));
        }
        else
        {
            // A shared datatype: PureHDF decodes the header holding it, so it is walked like any shared message.
            SharedMessage(header, at);
            consumed = 2 + (ulong)_offsetSize;
        }
        // Version 1 pads the datatype to 8 bytes of its declared size; PureHDF skips that padding after decoding.
        at += (consumed ?? datatypeSize) + (version == 1 ? (datatypeSize + 7) / 8 * 8 - datatypeSize : 0);
        if ((flags & 0x02) != 0) return;   // a shared dataspace: its header is walked, and its count unknown here
        double count = Dataspace(at, out ulong spaceSize);
        at += spaceSize + (version == 1 ? (dataspaceSize + 7) / 8 * 8 - dataspaceSize : 0);
        Declared(count * elementSize, at, end, "an attribute's data");
    }

    // The number of elements a dataspace message describes, and the bytes PureHDF reads for it.
    private double Dataspace(ulong at, out ulong size)
    {
        int version = (int)Number(at, 1), rank = (int)Number(at + 1, 1), flags = (int)Number(at + 2, 1);
        ulong dims = at + (version == 1 ? 8UL : 4UL);
        size = dims - at + (ulong)(rank * _lengthSize) * (1 + ((flags & 1) != 0 ? 1UL : 0) + ((flags & 2) != 0 ? 1UL : 0));
        int type = version == 1 ? (rank > 0 ? 1 : 0) : (int)Number(at + 3, 1);
        if (type != 1) return type == 0 ? 1 : 0;
        double count = 1;
        for (int i = 0; i < rank; i++) count *= Number(dims + (ulong)(i * _lengthSize), _lengthSize);
        return count;
    }

    // Checks the enumeration values a datatype (or a type nested in it) declares, and returns how many bytes
    // PureHDF reads for it, or null when that is not worked out here (compound and opaque types).
    private ulong? Datatype(ulong at, ulong end, int depth)
    {
        if (depth > 16) throw Damaged($"the datatype at byte {at} nests more than 16 levels deep");
        int typeClass = (int)(Number(at, 1) & 0x0F), version = (int)(Number(at, 1) >> 4);
        ulong properties = at + 8;
        switch (typeClass)
        {
            case 0 or 4: return 12;
            case 1: return 20;
            case 2: return 10;
            case 3 or 7: return 8;
            case 9: return 8 + Datatype(properties, end, depth + 1);
            case 10:
            {
                ulong rank = Number(properties, 1), dims = properties + (version == 2 ? 4UL : 1UL);
                ulong baseAt = dims + rank * (version == 2 ? 8UL : 4UL);
                return baseAt - at + Datatype(baseAt, end, depth + 1);
            }
            case 8:
            {
                // Enumeration: a base type, the member names, then one value of the base type's size per member.
                ulong members = Number(at + 1, 2), valueSize = Number(properties + 4, 4);
                ulong? baseSize = Datatype(properties, end, depth + 1);
                if (baseSize is null) return null;
                ulong names = properties + baseSize.Value;
                for (ulong i = 0; i < members && names < end; i++)
                {
                    int zero = _file.AsSpan((int)names, (int)(end - names)).IndexOf((byte)0);
                    if (zero < 0) return null;
                    names += (ulong)(version < 3 ? (zero + 8) / 8 * 8 : zero + 1);
                }
                Declared((double)members * valueSize, names, end, "an enumeration's values");
                return names + members * valueSize - at;
            }
            default: return null;
        }
    }
}
