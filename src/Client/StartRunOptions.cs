namespace Orleans.Workflow.Client;

/// <summary>Options of <see cref="WorkflowClient.StartRunAsync"/>.</summary>
public sealed record StartRunOptions
{
    /// <summary>
    /// The run id, and the idempotency key: starting again with the same id returns the same run.
    /// Default: a new time-ordered id.
    /// </summary>
    public string? RunId { get; init; }

    /// <summary>A version of the playbook (its content hash); default: the current one.</summary>
    public string? Version { get; init; }

    /// <summary>A time limit for the whole run that overrides the playbook's <c>timeout</c>.</summary>
    public TimeSpan? Timeout { get; init; }
}
