using BenchmarkDotNet.Running;

namespace Orleans.Workflow.Playbooks.Bench;

/// <summary>
/// <c>quick</c>: a Stopwatch pass over the same cases in under a minute.
/// Anything else goes to BenchmarkDotNet (<c>--filter '*'</c>, <c>--job short</c>, ...).
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["quick", ..])
        {
            return QuickBench.Run(Console.Out);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
