using System.Globalization;

namespace Orleans.Workflow.Execution;

/// <summary>How grain keys are composed: ids never hold '/', so it separates the parts.</summary>
public static class GrainKeys
{
    /// <summary>
    /// The key root of one attempt of a run: the run id for the first, <c>{run}~{attempt}</c> after a retry
    /// (run ids never hold '~'), so a retried run's tasks and steps are new grains with their own state.
    /// </summary>
    public static string Execution(string runId, int attempt) =>
        attempt <= 1 ? runId : $"{runId}~{attempt.ToString(CultureInfo.InvariantCulture)}";

    public static string Task(string runId, string taskId) => $"{runId}/{taskId}";

    public static string Step(string runId, string taskId, int index, string stepId) =>
        $"{runId}/{taskId}/{index.ToString(CultureInfo.InvariantCulture)}/{stepId}";

    public static (string RunId, string TaskId) ParseTask(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.LastIndexOf('/');
        return (key[..slash], key[(slash + 1)..]);
    }

    public static (string RunId, string TaskId, int Index, string StepId) ParseStep(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split('/');
        return (parts[0], parts[1], int.Parse(parts[2], CultureInfo.InvariantCulture), parts[3]);
    }

    /// <summary>True when <paramref name="runId"/> can be a run id: letters, digits, '.', '_', '-', 1 to 200 characters.</summary>
    public static bool IsValidRunId(string runId) =>
        runId is { Length: > 0 and <= 200 } && runId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
