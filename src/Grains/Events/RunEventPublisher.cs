using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
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
    private readonly Channel<RunEvent> _channel = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IServiceProvider _services;
    private readonly ILogger<RunEventPublisher> _logger;
    private readonly Lazy<Task> _loop;

    public RunEventPublisher(IServiceProvider services, ILogger<RunEventPublisher> logger)
    {
        _services = services;
        _logger = logger;
        _loop = new Lazy<Task>(() => Task.Run(PumpAsync));
    }

    public void Publish(RunEvent runEvent)
    {
        _ = _loop.Value;
        _channel.Writer.TryWrite(runEvent);
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        if (_loop.IsValueCreated)
        {
            await _loop.Value;
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
                    Dropped(_logger, events.Count, runId, ex.Message);
                }
            }

            batch.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "dropped {Count} events of run {RunId}: {Reason}")]
    private static partial void Dropped(ILogger logger, int count, string runId, string reason);
}
