using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace Orleans.Workflow.Events;

/// <summary>
/// Publishes run events on each run's <c>run-events</c> stream, off the grains' hot path: grains hand events
/// over and go on; a background loop sends them in batches per run. Events are for observers (history,
/// watchers, triggers); a run's truth is its grains' state, so an event that cannot be published is logged
/// and dropped, never retried into a grain's turn.
/// </summary>
public sealed partial class RunEventPublisher : IAsyncDisposable
{
    private const int HistoryBatch = 1000;
    private static readonly TimeSpan HistoryRetryDelay = TimeSpan.FromSeconds(1);

    private readonly Channel<RunEvent> _channel = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<RunEvent>? _history;
    private readonly IRunHistoryStore? _store;
    private readonly IServiceProvider _services;
    private readonly ILogger<RunEventPublisher> _logger;
    private readonly Lazy<Task> _loop;
    private readonly CancellationTokenSource _stopping = new();

    public RunEventPublisher(IServiceProvider services, ILogger<RunEventPublisher> logger)
    {
        _services = services;
        _logger = logger;
        _store = services.GetService<IRunHistoryStore>();
        if (_store is not null)
        {
            _history = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true });
        }

        _loop = new Lazy<Task>(() => Task.WhenAll(Task.Run(PumpAsync), _store is null ? Task.CompletedTask : Task.Run(WriteHistoryAsync)));
    }

    public void Publish(RunEvent runEvent)
    {
        _ = _loop.Value;
        _channel.Writer.TryWrite(runEvent);
        _history?.Writer.TryWrite(runEvent);
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        _history?.Writer.TryComplete();
        if (_loop.IsValueCreated)
        {
            // The history gets a last chance to write what is queued; a store that stays down loses it.
            _stopping.CancelAfter(TimeSpan.FromSeconds(10));
            await _loop.Value;
        }

        _stopping.Dispose();
    }

    // The run history, in batches: one append per batch of up to 1,000 events; a failed append is retried
    // (events keep their ids, so the store keeps each once) until it succeeds or the silo stops.
    private async Task WriteHistoryAsync()
    {
        var batch = new List<RunEvent>(HistoryBatch);
        var failing = false;
        while (await _history!.Reader.WaitToReadAsync())
        {
            while (batch.Count < HistoryBatch && _history.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            while (true)
            {
                try
                {
                    await _store!.AppendAsync(batch, _stopping.Token);
                    if (failing)
                    {
                        HistoryRecovered(_logger);
                        failing = false;
                    }

                    break;
                }
                catch (OperationCanceledException ex) when (_stopping.IsCancellationRequested)
                {
                    HistoryLost(_logger, batch.Count, ex); // the silo stopped while the history store was unreachable
                    return;
                }
                catch (Exception ex)
                {
                    if (!failing)
                    {
                        HistoryFailing(_logger, batch.Count, ex);
                        failing = true;
                    }

                    try
                    {
                        await Task.Delay(HistoryRetryDelay, _stopping.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        HistoryLost(_logger, batch.Count, ex);
                        return;
                    }
                }
            }

            batch.Clear();
        }
    }

    private async Task PumpAsync()
    {
        var provider = _services.GetRequiredService<IClusterClient>().GetStreamProvider(RunEvent.StreamProvider);
        var batch = new Dictionary<string, List<RunEvent>>(StringComparer.Ordinal);
        while (await _channel.Reader.WaitToReadAsync())
        {
            while (batch.Count < 256 && _channel.Reader.TryRead(out var item))
            {
                if (!batch.TryGetValue(item.RunId, out var list))
                {
                    batch[item.RunId] = list = [];
                }

                list.Add(item);
            }

            foreach (var (runId, events) in batch)
            {
                try
                {
                    var stream = provider.GetStream<RunEvent>(StreamId.Create(RunEvent.StreamNamespace, runId));
                    await stream.OnNextBatchAsync(events);
                }
                catch (Exception ex)
                {
                    Dropped(_logger, events.Count, runId, ex);
                }
            }

            batch.Clear();
        }
    }

    [LoggerMessage(EventId = 2601, Level = LogLevel.Warning, Message = "run history: cannot append {Count} events, retrying every second until it can")]
    private static partial void HistoryFailing(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 2602, Level = LogLevel.Information, Message = "run history: appending again")]
    private static partial void HistoryRecovered(ILogger logger);

    [LoggerMessage(EventId = 2603, Level = LogLevel.Error, Message = "run history: lost {Count} events")]
    private static partial void HistoryLost(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 2604, Level = LogLevel.Warning, Message = "dropped {Count} events of run {RunId}")]
    private static partial void Dropped(ILogger logger, int count, string runId, Exception exception);
}
