using System.Text.Json.Nodes;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Plugins.BuiltIn;

/// <summary>
/// <c>playbook</c>: starts a child run of <c>name</c> with <c>params</c>. With <c>wait</c> (default true) the step
/// waits for it and its output is <c>{id, status, outputs}</c>; a child that does not succeed fails the step.
/// The child's run id comes from the step's idempotency key, so a retry finds the same child.
/// </summary>
public sealed class PlaybookPlugin(IGrainFactory grains) : IStepPlugin
{
    private static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(10);

    public string Name => "playbook";

    /// <summary>The run id a step's child gets: stable for the step, unique in the cluster.</summary>
    public static string ChildRunId(StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var id = $"{context.RunId}.{context.Task}.{Math.Max(context.Index, 0)}.{context.Step}";
        return context.RunAttempt <= 1 ? id : $"{id}.r{context.RunAttempt}"; // a retried run starts new children
    }

    public async Task<JsonNode?> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var input = context.InputObject();
        var name = context.Text("name") ?? throw new StepFailedException("playbook needs 'name' (the child playbook)");
        var wait = input["wait"] is not JsonValue w || !w.TryGetValue<bool>(out var flag) || flag;
        var childId = ChildRunId(context);
        var child = grains.GetGrain<IRunGrain>(childId);
        var started = await child.StartAsync(new StartRunRequest(
            name,
            null,
            (input["params"] as JsonObject)?.ToJsonString() ?? "{}",
            new TriggerInfo(TriggerKind.Playbook),
            null,
            new ParentRef(context.RunId, context.IdempotencyKey)));
        if (!started.Started && !started.AlreadyExisted)
        {
            throw new StepFailedException($"child playbook '{name}' did not start: {string.Join("; ", started.Errors)}");
        }

        if (!wait)
        {
            return new JsonObject { ["id"] = childId };
        }

        try
        {
            WorkStatus? status;
            do
            {
                status = await child.WaitForEndAsync(WaitSlice).WaitAsync(cancellationToken);
            }
            while (status is null || !status.Value.IsFinal());

            var snapshot = await child.GetSnapshotAsync();
            var result = new JsonObject
            {
                ["id"] = childId,
                ["status"] = status.Value.Name(),
                ["outputs"] = snapshot?.OutputsJson is { } outputs ? JsonNode.Parse(outputs) : null,
            };
            if (status != WorkStatus.Succeeded)
            {
                throw new StepFailedException($"child run {childId} of '{name}' {status.Value.Name()}{(snapshot?.Error is { } error ? ": " + error.Message : string.Empty)}") { Output = result };
            }

            return result;
        }
        catch (OperationCanceledException)
        {
            await child.CancelAsync($"its parent step {context.IdempotencyKey} was cancelled");
            throw;
        }
    }
}
