using Orleans.Workflow.Playbooks.Expressions;
namespace Orleans.Workflow.Playbooks.Tests.Expressions;
public class TmpProbe(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Probe()
    {
        var e = new ExpressionEngine();
        foreach (var src in new[] { "'x'.repeat(2**29).length", "'x'.repeat(2**30).length", "new ArrayBuffer(2**31).byteLength", "new ArrayBuffer(2**33).byteLength", "new Uint8Array(2**30).length" })
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try { var r = e.Evaluate(ExpressionCompiler.Compile(src), ExpressionScope.Empty); output.WriteLine($"{src}: ok {r?.ToJsonString().Length} alloc={(GC.GetAllocatedBytesForCurrentThread()-before)/1e6} MB"); }
            catch (Exception ex) { output.WriteLine($"{src}: {ex.GetType().Name} {ex.Message}"); }
        }
    }
}
