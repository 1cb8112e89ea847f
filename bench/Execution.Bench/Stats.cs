using System.Diagnostics;
using System.Globalization;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>A distribution of durations in milliseconds.</summary>
internal sealed class Distribution
{
    private readonly double[] _sorted;

    public Distribution(IEnumerable<double> values)
    {
        _sorted = [.. values.Order()];
    }

    public int Count => _sorted.Length;

    public double Mean => _sorted.Length == 0 ? double.NaN : _sorted.Average();

    public double Max => _sorted.Length == 0 ? double.NaN : _sorted[^1];

    public double Min => _sorted.Length == 0 ? double.NaN : _sorted[0];

    /// <summary>Nearest-rank percentile, <paramref name="p"/> in 0..100.</summary>
    public double Percentile(double p)
    {
        if (_sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100 * _sorted.Length);
        return _sorted[Math.Clamp(rank - 1, 0, _sorted.Length - 1)];
    }
}

/// <summary>Wall time, process CPU time, allocations and collections over a measured window.</summary>
internal sealed class ResourceWindow
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly TimeSpan _sinceProcessStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
    private readonly TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly long _allocated = GC.GetTotalAllocatedBytes();
    private readonly int[] _collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    private readonly TimeSpan _pause = GC.GetTotalPauseDuration();

    public TimeSpan Wall { get; private set; }

    public TimeSpan Cpu { get; private set; }

    public long Allocated { get; private set; }

    public int[] Collections { get; } = new int[3];

    /// <summary>Time the GC paused the process.</summary>
    public TimeSpan GcPause { get; private set; }

    public ResourceWindow Stop()
    {
        Wall = Stopwatch.GetElapsedTime(_start);
        Cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpu;
        Allocated = GC.GetTotalAllocatedBytes() - _allocated;
        GcPause = GC.GetTotalPauseDuration() - _pause;
        for (var gen = 0; gen < 3; gen++)
        {
            Collections[gen] = GC.CollectionCount(gen) - _collections[gen];
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableEventPipe") == "1")
        {
            // To cut a sampled trace to the measured window.
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"measured window: {_sinceProcessStart.TotalSeconds:F2} s to {(_sinceProcessStart + Wall).TotalSeconds:F2} s after the process started"));
        }

        return this;
    }

    /// <summary>CPU used as a share of the machine (1.0 = every core busy the whole window).</summary>
    public double CpuShare => Cpu / Wall / Environment.ProcessorCount;
}
