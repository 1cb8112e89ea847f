using System.Diagnostics.Metrics;
using System.Globalization;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>
/// Npgsql's own instruments (meter <c>Npgsql</c>), for every pool of this process (Orleans' ADO.NET providers share one
/// pool per connection string; the history store and the active-run index have a data source each): operations and
/// their client-side duration, connections opened, and, sampled every 20 ms, connections in use and requests waiting
/// for a connection. Counts between <see cref="Reset"/> and <see cref="Read"/>.
/// </summary>
internal sealed class PoolProbe : IDisposable
{
    private const string Operations = "db.client.operation.duration";
    private const string Created = "db.client.connection.npgsql.create_time";
    private const string InUse = "db.client.connection.count";
    private const string Pending = "db.client.connection.npgsql.pending_requests";
    private const string Timeouts = "db.client.connection.npgsql.timeouts";

    private readonly MeterListener _meters = new();
    private readonly Timer _sampler;
    private readonly Lock _lock = new();
    private long _operations;
    private double _operationSeconds;
    private long _created;
    private long _timeouts;
    private double _pendingNow;
    private double _pendingMax;
    private double _sampleUsed;
    private double _samplePending;
    private bool _pendingObservable;
    private double _usedMax;

    public PoolProbe()
    {
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Npgsql" && instrument.Name is Operations or Created or InUse or Pending or Timeouts)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _meters.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _meters.Start();
        _sampler = new Timer(_ => Sample(), null, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20));
    }

    public void Reset()
    {
        lock (_lock)
        {
            (_operations, _operationSeconds, _created, _timeouts, _pendingMax, _usedMax) = (0, 0, 0, 0, _pendingNow, 0);
        }
    }

    public IReadOnlyList<Row> Read(int steps)
    {
        lock (_lock)
        {
            return
            [
                new Row("database operations from this process (Npgsql) per step; mean client-side duration",
                    string.Create(CultureInfo.InvariantCulture, $"{_operations / (double)steps:N2}; {(_operations == 0 ? 0 : _operationSeconds * 1000 / _operations):F3} ms")),
                new Row("connections opened; most in use at once (sampled every 20 ms); most requests waiting for one; pool timeouts",
                    string.Create(CultureInfo.InvariantCulture, $"{_created:N0}; {_usedMax:N0}; {_pendingMax:N0}; {_timeouts:N0}")),
            ];
        }
    }

    public void Dispose()
    {
        _sampler.Dispose();
        _meters.Dispose();
    }

    private void Sample()
    {
        lock (_lock)
        {
            (_sampleUsed, _samplePending) = (0, 0);
        }

        _meters.RecordObservableInstruments();
        lock (_lock)
        {
            _usedMax = Math.Max(_usedMax, _sampleUsed);
            if (_pendingObservable)
            {
                _pendingMax = Math.Max(_pendingMax, _samplePending);
            }
        }
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var used = false;
        foreach (var tag in tags)
        {
            if (tag.Key == "db.client.connection.state" && tag.Value as string == "used")
            {
                used = true;
            }
        }

        lock (_lock)
        {
            switch (instrument.Name)
            {
                case Operations:
                    _operations++;
                    _operationSeconds += value;
                    break;
                case Created:
                    _created++;
                    break;
                case Timeouts:
                    _timeouts += (long)value;
                    break;
                case InUse when used:
                    _sampleUsed += value;
                    break;
                case Pending when instrument.IsObservable:
                    _pendingObservable = true;
                    _samplePending += value;
                    break;
                case Pending:
                    // An up-down counter: +1 when a request starts waiting, -1 when it gets its connection.
                    _pendingNow += value;
                    _pendingMax = Math.Max(_pendingMax, _pendingNow);
                    break;
            }
        }
    }
}
