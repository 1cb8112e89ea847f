using Microsoft.Extensions.Logging;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks;

namespace Orleans.Workflow.Registry;

/// <summary>The names of every registered playbook, so they can be listed.</summary>
[GrainType("owf.playbook-catalog")]
public sealed class PlaybookCatalogGrain(
    [PersistentState("playbook-catalog", WorkflowStorage.Name)] IPersistentState<PlaybookCatalogState> state,
    ILogger<PlaybookCatalogGrain> logger) : Grain, IPlaybookCatalogGrain
{
    public async Task AddAsync(string name)
    {
        if (state.State.Names.Add(name))
        {
            await state.WriteAsync(this, logger);
        }
    }

    public Task<IReadOnlyList<string>> ListAsync()
    {
        IReadOnlyList<string> names = [.. state.State.Names.Order(StringComparer.Ordinal)];
        return Task.FromResult(names);
    }
}

[GenerateSerializer]
[Alias("owf.PlaybookCatalogState")]
public sealed class PlaybookCatalogState
{
    [Id(0)]
    public HashSet<string> Names { get; set; } = new(StringComparer.Ordinal);
}
