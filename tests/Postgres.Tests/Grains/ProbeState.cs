namespace Orleans.Workflow.Postgres.Tests.Grains;

[GenerateSerializer]
[Alias("owf.tests.ProbeState")]
public sealed class ProbeState
{
    [Id(0)]
    public int Total { get; set; }

    [Id(1)]
    public int Ticks { get; set; }
}
