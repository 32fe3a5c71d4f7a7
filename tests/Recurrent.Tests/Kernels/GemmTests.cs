using System.Numerics;
using System.Runtime.InteropServices;
using Recurrent.Kernels;

namespace Recurrent.Tests.Kernels;

// Gemm.MaxDegreeOfParallelism is process-wide: these tests run alone so changing it cannot disturb others.
[CollectionDefinition(nameof(GemmTests), DisableParallelization = true)]
public sealed class GemmTestsCollection;

[Collection(nameof(GemmTests))]
public sealed class GemmTests
{
    // Runs a test that changes the process-wide thread limit, and puts the limit back whatever happens.
    private static void KeepingThreadCount(Action test)
    {
        int saved = Gemm.MaxDegreeOfParallelism;
        try { test(); }
        finally { Gemm.MaxDegreeOfParallelism = saved; }
    }

    // (m, n, k): zeros, ones, odd sizes around vector/tile widths, and sizes crossing the k (256),
    // row (144) and column (512) blocks; 1000 only where the reference stays cheap. Up to 16 rows with a
    // transposed B take the dot-product path, more rows the packed one.
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (0, 5, 3), (4, 0, 3), (3, 5, 0), (1, 1, 1), (1, 17, 3), (3, 1, 17), (17, 63, 65), (63, 65, 17),
        (65, 3, 63), (1, 257, 63), (8, 1000, 65), (9, 65, 257), (3, 1000, 17), (257, 63, 65), (1000, 17, 3),
        (17, 65, 1000), (40, 130, 300), (1, 256, 64), (1, 200, 600), (1, 600, 70),
    ];

    public static TheoryData<bool, bool, int, int, int> Cases()
    {
        var data = new TheoryData<bool, bool, int, int, int>();
        foreach (var (m, n, k) in Shapes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    data.Add(ta, tb, m, n, k);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_reference_for_all_transposes_and_awkward_sizes(bool transposeA, bool transposeB, int m, int n, int k)
    {
        // Padding exercises leading dimensions longer than the rows.
        foreach (int pad in new[] { 0, 3 })
        {
            CompareWithReference<float>(transposeA, transposeB, m, n, k, pad, 1e-5);
            CompareWithReference<double>(transposeA, transposeB, m, n, k, pad, 1e-12);
        }
    }

    [Theory]
    [InlineData(false, 256, 64)]   // a recurrent step at batch size 1: the row kernel only
    [InlineData(false, 203, 600)]  // eight-vector, shorter and ragged column chunks; three k-slices
    [InlineData(false, 600, 70)]   // sixteen-, eight- and fewer-vector chunks
    [InlineData(true, 203, 600)]
    public void A_single_row_product_is_bit_identical_to_that_row_of_a_larger_product(bool transposeA, int n, int k)
    {
        float[] a = Random<float>(3 * k, 11), b = Random<float>(k * n, 12), c = Random<float>(3 * n, 13);
        float[] full = (float[])c.Clone(), row = c[..n];
        Gemm.Multiply(transposeA, false, 3, n, k, 0.5f, a, transposeA ? 3 : k, b, n, 2f, full, n);
        // Row 0 of A alone: the same elements, k apart when A is stored transposed.
        Gemm.Multiply(transposeA, false, 1, n, k, 0.5f, a, transposeA ? 3 : k, b, n, 2f, row, n);
        Assert.Equal(full[..n], row);
    }

    [Fact]
    public void Computes_a_small_product_by_hand()
    {
        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154], then 2·that + 1·C.
        float[] a = [1, 2, 3, 4, 5, 6], b = [7, 8, 9, 10, 11, 12], c = [1, 1, 1, 1];
        Gemm.Multiply(false, false, 2, 2, 3, 2f, a, 3, b, 2, 1f, c, 2);
        Assert.Equal(new float[] { 117, 129, 279, 309 }, c);
    }

    [Fact]
    public void Beta_zero_overwrites_NaN_and_leaves_the_gaps_between_rows_alone()
    {
        int m = 7, n = 70, k = 5, ldc = n + 2;
        var a = Random<float>(m * k, 1);
        var b = Random<float>(k * n, 2);
        var c = new float[(m - 1) * ldc + n];
        Array.Fill(c, float.NaN);
        Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, ldc);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++) Assert.True(float.IsFinite(c[i * ldc + j]), $"C[{i},{j}] = {c[i * ldc + j]}");
            if (i < m - 1) Assert.True(float.IsNaN(c[i * ldc + n]) && float.IsNaN(c[i * ldc + n + 1]), "gap written");
        }
    }

    [Theory]
    [InlineData(false, false, 150, 600, 270)] // several blocks of C and two k-slices
    [InlineData(true, true, 150, 600, 270)]
    [InlineData(false, true, 150, 530, 100)]
    [InlineData(true, false, 150, 530, 100)]
    [InlineData(false, true, 5, 1100, 300)] // few rows and transposed B: the dot-product path
    [InlineData(false, false, 3, 1100, 300)]
    [InlineData(false, false, 64, 512, 512)] // one block of C split into equal column blocks for the threads
    [InlineData(false, false, 32, 768, 256)]
    [InlineData(false, true, 64, 500, 512)] // ragged right edge in the split
    public void Results_are_bit_identical_whatever_the_thread_count(bool transposeA, bool transposeB, int m, int n, int k)
    {
        var a = Random<float>(m * k, 3);
        var b = Random<float>(k * n, 4);
        var c0 = Random<float>(m * n, 5);
        int lda = transposeA ? m : k, ldb = transposeB ? k : n;
        KeepingThreadCount(() =>
        {
            float[] Run(int threads)
            {
                Gemm.MaxDegreeOfParallelism = threads;
                var c = (float[])c0.Clone();
                Gemm.Multiply(transposeA, transposeB, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, c, n);
                return c;
            }
            var single = Run(1);
            foreach (int threads in new[] { 2, 3 })
                Assert.True(MemoryMarshal.AsBytes(single.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(Run(threads).AsSpan())),
                    $"{threads} threads differ from 1 thread");
        });
    }

    [Fact]
    public void Parallel_products_do_not_allocate_in_steady_state()
    {
        int m = 150, n = 600, k = 64; // several blocks of C, run by the worker pool
        var a = Random<float>(m * k, 6);
        var b = Random<float>(k * n, 7);
        var c = new float[m * n];
        KeepingThreadCount(() =>
        {
            Gemm.MaxDegreeOfParallelism = 2;
            for (int i = 0; i < 3; i++) Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
            // Process-wide, so the worker threads count too; the test host's own threads allocate now and then,
            // so one clean round out of five passes, while an allocation in the product would show in every round.
            long fewest = long.MaxValue;
            for (int round = 0; round < 5 && fewest != 0; round++)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                for (int i = 0; i < 100; i++) Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
                fewest = Math.Min(fewest, GC.GetTotalAllocatedBytes(precise: true) - before);
            }
            Assert.Equal(0, fewest);
        });
    }

    [Fact]
    public void Products_from_several_threads_at_once_all_finish_with_the_right_result()
    {
        // The worker pool runs one job at a time; other callers must fall back to running their blocks themselves,
        // and workers must never miss a wake-up whatever the mix of thread counts (a lost one hangs the caller).
        int m = 40, n = 600, k = 64;
        var a = Random<float>(m * k, 8);
        var b = Random<float>(k * n, 9);
        var expected = new float[m * n];
        GemmReference.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, expected, n);
        KeepingThreadCount(() =>
        {
            int wrong = 0;
            var callers = Enumerable.Range(0, 4).Select(t => new Thread(() =>
            {
                var c = new float[m * n];
                for (int i = 0; i < 500; i++)
                {
                    Gemm.MaxDegreeOfParallelism = 1 + (i + t) % 3;
                    Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
                    for (int j = 0; j < c.Length; j++)
                        if (Math.Abs(expected[j] - c[j]) > 1e-3f) Interlocked.Increment(ref wrong);
                }
            }) { IsBackground = true }).ToArray();
            foreach (Thread caller in callers) caller.Start();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            foreach (Thread caller in callers)
                Assert.True(caller.Join(deadline - DateTime.UtcNow > TimeSpan.Zero ? deadline - DateTime.UtcNow : TimeSpan.Zero), "concurrent products did not finish within 60 s");
            Assert.Equal(0, wrong);
        });
    }

    [Fact]
    public void Does_not_allocate_in_steady_state_below_the_parallel_threshold()
    {
        int m = 16, n = 100, k = 64;
        var a = Random<float>(m * k, 6);
        var b = Random<float>(k * n, 7);
        var c = new float[m * n];
        for (int i = 0; i < 3; i++)
        {
            Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
            Gemm.Multiply(true, true, m, n, k, 1f, a, m, b, k, 0f, c, n);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
        Gemm.Multiply(true, true, m, n, k, 1f, a, m, b, k, 0f, c, n);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Rejects_bad_arguments_with_a_message_naming_Gemm_and_the_lengths()
    {
        var a = new float[11];
        var b = new float[20];
        var c = new float[15];

        // A is 3x4 with lda 4: it needs 12 elements.
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 3, 5, 4, 1f, a, 4, b, 5, 0f, c, 5));
        Assert.Contains("Gemm", e.Message);
        Assert.Contains("12", e.Message);
        Assert.Contains("11", e.Message);
        Assert.Equal("a", e.ParamName);

        // Transposed B is stored [n, k] = 5x4 with ldb 4: 20 elements are enough, but C needs 3·5 = 15 with ldc 5
        // and 2·6 + 5 = 17 with ldc 6.
        var a12 = new float[12];
        Gemm.Multiply(false, true, 3, 5, 4, 1f, a12, 4, b, 4, 0f, c, 5);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, true, 3, 5, 4, 1f, a12, 4, b, 4, 0f, c, 6));
        Assert.Contains("Gemm", e.Message);
        Assert.Contains("17", e.Message);
        Assert.Contains("15", e.Message);

        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 3, 5, 4, 1f, a12, 3, b, 5, 0f, c, 5));
        Assert.Contains("lda", e.Message);

        e = Assert.ThrowsAny<ArgumentException>(() => Gemm.Multiply(false, false, -1, 5, 4, 1f, a12, 4, b, 5, 0f, c, 5));
        Assert.Contains("Gemm", e.Message);
    }

    private static void CompareWithReference<T>(bool ta, bool tb, int m, int n, int k, int pad, double tolerance)
        where T : struct, IFloatingPointIeee754<T>
    {
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        var a = Random<T>(Length(ta ? k : m, lda), 11);
        var b = Random<T>(Length(tb ? n : k, ldb), 12);

        // Rounding error scales with Σ|a||b|: the same product on absolute values.
        var sumAbs = new T[Length(m, ldc)];
        GemmReference.Multiply(ta, tb, m, n, k, T.One, Array.ConvertAll(a, T.Abs), lda, Array.ConvertAll(b, T.Abs), ldb,
            T.Zero, sumAbs, ldc);

        // Overwrite (C full of NaN), accumulate, and scaled accumulate, each with alpha ≠ 1 somewhere.
        foreach (var (alpha, beta) in new[] { (1.0, 0.0), (-1.25, 1.0), (0.75, 0.5) })
        {
            var c = beta == 0 ? Filled(Length(m, ldc), T.NaN) : Random<T>(Length(m, ldc), 13);
            T al = T.CreateChecked(alpha), be = T.CreateChecked(beta);
            var expected = (T[])c.Clone();
            GemmReference.Multiply(ta, tb, m, n, k, al, a, lda, b, ldb, be, expected, ldc);
            var actual = (T[])c.Clone();
            Gemm.Multiply(ta, tb, m, n, k, al, a, lda, b, ldb, be, actual, ldc);

            for (int i = 0; i < c.Length; i++)
            {
                if (i / ldc >= m || i % ldc >= n)
                {
                    if (!actual[i].Equals(c[i])) Assert.Fail($"element {i} outside C was written ({typeof(T).Name} {m}x{n}x{k})");
                    continue;
                }
                double magnitude = Math.Abs(alpha) * double.CreateChecked(sumAbs[i]) + (beta == 0 ? 0 : Math.Abs(beta * double.CreateChecked(c[i])));
                double bound = tolerance * magnitude + 1e-30;
                double err = Math.Abs(double.CreateChecked(actual[i]) - double.CreateChecked(expected[i]));
                // Messages are built only on failure: formatting one per element would dominate the run time.
                if (!(err <= bound))
                    Assert.Fail($"{typeof(T).Name} ta={ta} tb={tb} m={m} n={n} k={k} pad={pad} alpha={alpha} beta={beta}: " +
                    $"C[{i / ldc},{i % ldc}] = {actual[i]}, expected {expected[i]} (error {err:E2} > {bound:E2})");
            }
        }
    }

    private static int Length(int rows, int ld) => rows == 0 ? 0 : (rows - 1) * ld + ld;

    private static T[] Filled<T>(int length, T value)
    {
        var x = new T[length];
        Array.Fill(x, value);
        return x;
    }

    private static T[] Random<T>(int length, int seed) where T : struct, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var x = new T[length];
        for (int i = 0; i < length; i++) x[i] = T.CreateChecked(random.NextDouble() * 2 - 1);
        return x;
    }
}
