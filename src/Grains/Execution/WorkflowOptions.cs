namespace Orleans.Workflow.Execution;

/// <summary>The <c>Workflow</c> configuration section, as the grains read it.</summary>
public sealed class WorkflowOptions
{
    public const string Section = "Workflow";

    public const int DefaultMaxOutputBytes = 1024 * 1024;

    /// <summary>Largest output (JSON) a step may produce; larger fails the step.</summary>
    public int MaxOutputBytes { get; set; } = DefaultMaxOutputBytes;

    /// <summary>A folder with one file per secret (as Kubernetes mounts them); the file name is the secret's name.</summary>
    public string? SecretsPath { get; set; }

    /// <summary>How often a grain re-sends messages it has not seen acknowledged.</summary>
    public TimeSpan ResendInterval { get; set; } = TimeSpan.FromSeconds(5);
}
