using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Recurrent.Kernels;

/// <summary>Out-of-place transpose of a dense row-major matrix.</summary>
internal static class Transpose
{
    // Square tiles: a tile's rows and columns each span whole cache lines, so neither side is walked with a stride
    // that evicts what the next row needs.
    private const int Tile = 16;

    /// <summary>destination [cols, rows] = sourceᵀ for a source [rows, cols].</summary>
    /// <exception cref="ArgumentException">A span is shorter than rows × cols.</exception>
    public static void Matrix<T>(ReadOnlySpan<T> source, int rows, int cols, Span<T> destination)
    {
        long size = (long)rows * cols;
        if (rows < 0 || cols < 0 || source.Length < size || destination.Length < size)
            throw new ArgumentException($"Transpose: a {rows} x {cols} matrix needs {size} elements; source has {source.Length}, destination {destination.Length}.");
        ref T from = ref MemoryMarshal.GetReference(source);
        ref T to = ref MemoryMarshal.GetReference(destination);
        for (int r0 = 0; r0 < rows; r0 += Tile)
            for (int c0 = 0; c0 < cols; c0 += Tile)
            {
                int r1 = Math.Min(r0 + Tile, rows), c1 = Math.Min(c0 + Tile, cols);
                for (int r = r0; r < r1; r++)
                    for (int c = c0; c < c1; c++)
                        Unsafe.Add(ref to, (nint)c * rows + r) = Unsafe.Add(ref from, (nint)r * cols + c);
            }
    }
}
