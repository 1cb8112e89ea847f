using System.Collections.Concurrent;
using System.Globalization;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Workflow.Storage;

/// <summary>
/// Grain state in this process's memory, for the embedded default (one silo; state lives as long as the
/// process). Unlike Orleans' memory storage it needs no grain call per read or write: states are kept
/// serialized (so a grain's later changes never leak into what is stored) in a dictionary, with ETags
/// checked as any provider does. Not for clusters of several silos: they would not share it.
/// </summary>
public sealed class InProcessGrainStorage(IGrainStorageSerializer serializer) : IGrainStorage
{
    private readonly ConcurrentDictionary<(string State, GrainId Grain), Entry> _entries = new();
    private long _nextETag;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (_entries.TryGetValue((stateName, grainId), out var entry))
        {
            grainState.State = serializer.Deserialize<T>(entry.Data);
            grainState.ETag = entry.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var key = (stateName, grainId);
        var data = serializer.Serialize(grainState.State);
        var etag = Interlocked.Increment(ref _nextETag).ToString(CultureInfo.InvariantCulture);
        var written = _entries.AddOrUpdate(
            key,
            _ => grainState.ETag is null ? new Entry(data, etag) : throw Inconsistent(grainState.ETag, null, grainId),
            (_, current) => current.ETag == grainState.ETag ? new Entry(data, etag) : throw Inconsistent(grainState.ETag, current.ETag, grainId));
        grainState.ETag = written.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var key = (stateName, grainId);
        if (_entries.TryGetValue(key, out var current) && current.ETag != grainState.ETag)
        {
            throw Inconsistent(grainState.ETag, current.ETag, grainId);
        }

        _entries.TryRemove(key, out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
        return Task.CompletedTask;
    }

    private static InconsistentStateException Inconsistent(string? given, string? stored, GrainId grainId) =>
        new($"state of {grainId} was written by someone else (ETag {given ?? "none"}, stored {stored ?? "none"})", stored ?? string.Empty, given ?? string.Empty);

    private sealed record Entry(BinaryData Data, string ETag);
}
