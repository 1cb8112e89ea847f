using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Orleans.Streams;
using Orleans.Workflow.Events;

namespace Orleans.Workflow.Client;

/// <summary>A subscription to a run's events; dispose it to unsubscribe.</summary>
public sealed class RunWatch(ChannelReader<RunEvent> reader, StreamSubscriptionHandle<RunEvent> handle) : IAsyncDisposable
{
    /// <summary>The events in the order they arrive, ending when the run ends.</summary>
    public async IAsyncEnumerable<RunEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in reader.ReadAllAsync(cancellationToken))
        {
            yield return item;
        }
    }

    public async ValueTask DisposeAsync() => await handle.UnsubscribeAsync();
}
