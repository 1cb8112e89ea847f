using System.CommandLine;
using Orleans.Workflow.Cli.Connection;

namespace Orleans.Workflow.Cli.Commands;

/// <summary>The <c>--cluster</c> option every command that talks to runs shares.</summary>
public static class ClusterOption
{
    public static Option<string?> Create() => new("--cluster")
    {
        Description = $"The cluster to use: the PostgreSQL connection string its silos use (default: ${OwfConnection.ClusterVariable}; without either, an embedded silo in this process).",
    };
}
