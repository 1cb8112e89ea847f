using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>
/// Listens in this process to Orleans' own instruments (storage, messaging, activations, streams) and,
/// when grain calls are traced, to its activities; counts between <see cref="Reset"/> and <see cref="Read"/>.
/// </summary>
internal sealed class Probe : IDisposable
{
    private static readonly string[] Instruments =
    [
        "orleans-storage-write-latency",
        "orleans-storage-read-latency",
        "orleans-messaging-sent-local",
        "orleans-messaging-sent-messages-size",
        "orleans-catalog-activation-created",
        "orleans-catalog-activation-destroyed",
        "orleans-streams-persistent-stream-messages-sent",
        "orleans-streams-persistent-stream-messages-read",
        "orleans-streams-pubsub-producers-added",
        "orleans-scheduler-long-running-turns",
        "orleans-app-requests-latency",
    ];

    private readonly MeterListener _meters = new();
    private readonly ActivityListener? _activities;
    private ConcurrentDictionary<string, Tally> _tallies = new(StringComparer.Ordinal);

    public Probe(bool traceCalls, bool database = false)
    {
        Pool = database ? new PoolProbe() : null;
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && Instruments.Contains(instrument.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument.Name, value));
        _meters.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument.Name, value));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument.Name, value));
        _meters.Start();
        if (traceCalls)
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity => Add($"{activity.Kind.ToString().ToLowerInvariant()} {activity.DisplayName}", activity.Duration.TotalMilliseconds),
            };
            ActivitySource.AddActivityListener(_activities);
        }
    }

    /// <summary>Npgsql's pools and operations, when the silo runs on PostgreSQL.</summary>
    public PoolProbe? Pool { get; }

    public void Reset()
    {
        _tallies = new ConcurrentDictionary<string, Tally>(StringComparer.Ordinal);
        Pool?.Reset();
    }

    /// <summary>What was counted since the last reset: per instrument or call, the count and the sum of values.</summary>
    public IReadOnlyDictionary<string, (long Count, double Sum)> Read()
    {
        _meters.RecordObservableInstruments();
        return _tallies.ToDictionary(t => t.Key, t => (t.Value.Count, t.Value.Sum), StringComparer.Ordinal);
    }

    public void Dispose()
    {
        Pool?.Dispose();
        _meters.Dispose();
        _activities?.Dispose();
    }

    private void Add(string name, double value) => _tallies.GetOrAdd(name, _ => new Tally()).Add(value);

    private sealed class Tally
    {
        private long _count;
        private double _sum;
        private readonly Lock _lock = new();

        public long Count => Interlocked.Read(ref _count);

        public double Sum
        {
            get
            {
                lock (_lock)
                {
                    return _sum;
                }
            }
        }

        public void Add(double value)
        {
            lock (_lock)
            {
                _count++;
                _sum += value;
            }
        }
    }
}
