namespace Orleans.Workflow.Execution;

/// <summary>Names of the storage providers the grains use.</summary>
public static class WorkflowStorage
{
    /// <summary>Grain state of playbooks, runs, tasks and steps.</summary>
    public const string Name = "workflow";

    /// <summary>Stream subscriptions (pub-sub) of the event streams.</summary>
    public const string PubSub = "PubSubStore";
}
