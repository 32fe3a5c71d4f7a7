using System.Buffers.Binary;
using Recurrent.Interop.Keras;
using Recurrent.IO;

namespace Recurrent.Interop.Tests.Keras;

/// <summary>
/// Damage that PureHDF would pay for in memory or time (it allocates declared sizes first and follows addresses
/// without looking for cycles) is refused by the structure walk before PureHDF decodes anything.
/// </summary>
public class KerasStructureDamageTests
{
    private const int RootHeader = 96;   // h5py's version 0 superblock puts the root object header here

    private static string Refusal(string fixture, Action<byte[]> damage)
    {
        byte[] bytes = File.ReadAllBytes(KerasFixture.PathOf(fixture));
        Assert.Equal(RootHeader, BitConverter.ToInt64(bytes, 64));
        damage(bytes);
        string path = Path.Combine(Path.GetTempPath(), $"structure-{Guid.NewGuid():N}.h5");
        File.WriteAllBytes(path, bytes);
        try
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var error = Assert.Throws<InvalidModelFileException>(() => KerasModel.Load<float>(path));
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "the refusal allocated more than 16 MB");
            Assert.StartsWith($"{path}: ", error.Message);
            return error.Message;
        }
        finally { File.Delete(path); }
    }

    // The data of the first version 1 object header message of the given type and version (a version 1 message
    // header is the type, the size, flags and three zero bytes).
    private static int FirstMessage(byte[] bytes, int type, int version) => 8 + Enumerable.Range(0, bytes.Length - 16).First(i =>
        bytes[i] == type && bytes[i + 1] == 0 && bytes[i + 5] == 0 && bytes[i + 6] == 0 && bytes[i + 7] == 0 && bytes[i + 8] == version);

    [Fact]
    public void An_attribute_declaring_more_data_than_its_message_holds_is_refused()
    {
        string message = Refusal("k2_lambda.h5", bytes =>
        {
            int attribute = FirstMessage(bytes, 0x0C, version: 1), nameSize = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(attribute + 2));
            int datatype = attribute + 8 + (nameSize + 7) / 8 * 8;
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(datatype + 4), 1 << 30);   // the element size
        });
        Assert.Contains("an attribute's data at byte", message);
    }

    [Fact]
    public void A_fill_value_declaring_more_than_its_message_holds_is_refused()
    {
        string message = Refusal("k2_lambda.h5", bytes =>
        {
            // h5py writes version 2 fill value messages: version, allocation time, fill time, defined, size.
            int fill = FirstMessage(bytes, 0x05, version: 2);
            Assert.Equal(1, bytes[fill + 3]);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(fill + 4), 1 << 30);
        });
        Assert.Contains("a fill value at byte", message);
    }

    [Fact]
    public void A_local_heap_with_a_damaged_version_is_still_checked_where_a_group_points_to_it()
    {
        string message = Refusal("k2_lambda.h5", bytes =>
        {
            int heap = bytes.AsSpan().IndexOf("HEAP"u8);
            bytes[heap + 4] = 7;
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(heap + 8), 1UL << 40);
        });
        Assert.Contains("the local heap at byte", message);
    }

    [Fact]
    public void A_group_B_tree_that_contains_itself_is_refused()
    {
        string message = Refusal("k2_lambda.h5", bytes =>
        {
            int tree = bytes.AsSpan().IndexOf("TREE"u8);
            bytes[tree + 5] = 1;                                                              // an inner node ...
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(tree + 8 + 2 * 8 + 8), (ulong)tree);   // ... whose first child is itself
        });
        Assert.Contains("is its own descendant", message);
    }

    [Fact]
    public void An_object_header_continuing_into_itself_is_refused()
    {
        string message = Refusal("k2_lambda.h5", bytes =>
        {
            // The root header's first message becomes a continuation into the root header's own message block.
            int data = RootHeader + 16 + 8;
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(data - 8), 0x10);
            int size = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(data - 6));
            Assert.True(size >= 16);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(data), RootHeader + 16);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(data + 8), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(RootHeader + 8)));
        });
        Assert.Contains("continues into the same block twice", message);
    }
}
