using System.Diagnostics;

namespace Recurrent.Kernels;

/// <summary>
/// Persistent worker threads for the matrix products. A recurrent layer runs one small product per time step,
/// thousands per second; waking pool threads through <see cref="Parallel"/> for each costs several microseconds
/// and allocates. These workers spin for a short while after each job, so the next step's product finds them
/// awake, and then sleep on an event so an idle process costs nothing.
/// </summary>
/// <remarks>
/// One job at a time: a caller that finds the pool busy (another thread's product, or a product started from inside
/// a job) runs its items itself. Items are claimed from a shared counter, so which thread runs an item varies; callers
/// must make an item's result independent of that (the GEMM splits over blocks of C fixed by the shape).
/// </remarks>
internal static unsafe class WorkerPool
{
    // How long a worker keeps spinning for the next job before it sleeps (a time step takes a few microseconds).
    private static readonly long SpinTicks = Stopwatch.Frequency / 10_000; // 100 µs

    // How many times the caller polls for the workers with the shortest pause before it starts yielding (tens of µs).
    private const int QuickPolls = 4096;

    // More threads than this gain nothing for the products of one recurrent layer.
    private const int MaxWorkers = 63;

    private static readonly object StartLock = new();
    private static int _workerCount;
    private static int _busy;

    // Per worker: 1 while it is (about to be) asleep, and the event that wakes it. One event per worker, so a wake-up
    // meant for one worker can never be taken by another. An event, not a SemaphoreSlim: waiting on SemaphoreSlim
    // allocates now and then (measured: about 1 byte per wait on .NET 10), which showed in the allocation counts.
    private static readonly int[] Sleeping = new int[MaxWorkers];
    private static readonly AutoResetEvent[] Wake = new AutoResetEvent[MaxWorkers];

    // The current job, published before the tickets of the workers that take part in it. A worker runs a job when
    // its ticket changes, exactly once per ticket, so a worker that wakes late can never count itself twice.
    private static readonly int[] Tickets = new int[MaxWorkers];
    private static int _lastTicket;
    private static delegate*<void*, int, void> _body;
    private static void* _context;
    private static int _count;
    private static int _next;
    private static int _pending;

    /// <summary>Runs <c>body(context, i)</c> for every i in [0, <paramref name="count"/>) on the caller and up to <paramref name="threads"/> − 1 workers; returns when all are done.</summary>
    /// <remarks><paramref name="context"/> must stay valid until the call returns (a pointer to the caller's stack is fine). <paramref name="body"/> must not throw.</remarks>
    public static void For(int count, int threads, delegate*<void*, int, void> body, void* context)
    {
        int helpers = Math.Min(Math.Min(threads, count) - 1, MaxWorkers);
        if (helpers <= 0 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < count; i++) body(context, i);
            return;
        }
        try
        {
            EnsureWorkers(helpers);
            _body = body;
            _context = context;
            _count = count;
            _next = 0;
            _pending = helpers;
            int ticket = ++_lastTicket;
            for (int w = 0; w < helpers; w++)
            {
                Volatile.Write(ref Tickets[w], ticket);
                if (Interlocked.Exchange(ref Sleeping[w], 0) == 1) Wake[w].Set();
            }

            RunItems();
            // Poll with the shortest pause: the workers finish within microseconds of the caller. SpinWait's back-off
            // (pauses growing towards a microsecond) added 0.7 µs to each round trip on a Zen 5 VM (1.6 against 0.85 µs).
            // Only if that takes long (a worker not scheduled) does the caller yield its core.
            var spinner = new SpinWait();
            for (int polls = 0; Volatile.Read(ref _pending) != 0; polls++)
            {
                if (polls < QuickPolls) Thread.SpinWait(1);
                else spinner.SpinOnce(sleep1Threshold: -1);
            }
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private static void RunItems()
    {
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _count) _body(_context, i);
    }

    private static void EnsureWorkers(int needed)
    {
        if (Volatile.Read(ref _workerCount) >= needed) return;
        lock (StartLock)
        {
            while (_workerCount < needed)
            {
                // Read here, not when the thread starts: the job about to be published must find the ticket changed.
                int index = _workerCount, served = Tickets[index];
                Wake[index] = new AutoResetEvent(false);
                new Thread(() => WorkerLoop(index, served)) { IsBackground = true, Name = $"Recurrent GEMM worker {index + 1}" }.Start();
                _workerCount++;
            }
        }
    }

    private static void WorkerLoop(int index, int served)
    {
        while (true)
        {
            long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            while (Volatile.Read(ref Tickets[index]) == served)
            {
                if (Stopwatch.GetTimestamp() < spinUntil)
                {
                    // Short pauses between looks, for the same reason as the caller's wait; the clock is read less often.
                    for (int poll = 0; poll < 16 && Volatile.Read(ref Tickets[index]) == served; poll++) Thread.SpinWait(1);
                    continue;
                }
                // Marked asleep before the last look at the ticket, so a job published after that look sets the
                // event. A worker marked but not sleeping may find the event set later: it costs one extra loop.
                Interlocked.Exchange(ref Sleeping[index], 1);
                if (Volatile.Read(ref Tickets[index]) == served) Wake[index].WaitOne();
                spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            }
            served = Volatile.Read(ref Tickets[index]);
            RunItems();
            Interlocked.Decrement(ref _pending);
        }
    }
}
