using Orleans.Workflow.Playbooks.Planning;
using static Orleans.Workflow.Playbooks.Tests.Planning.PlanKit;

namespace Orleans.Workflow.Playbooks.Tests.Planning;

public class TaskGraphTests
{
    [Fact]
    public void TopologicalOrder_DeclaredBackwards_PutsNeedsFirst()
    {
        var playbook = Playbook(Task("report", "load"), Task("load", "extract"), Task("extract"));

        Assert.Equal(["extract", "load", "report"], TaskGraph.TopologicalOrder(playbook).ToArray());
    }

    [Fact]
    public void TopologicalOrder_NoNeeds_KeepsDeclarationOrder()
    {
        var playbook = Playbook(Task("c"), Task("a"), Task("b"));

        Assert.Equal(["c", "a", "b"], TaskGraph.TopologicalOrder(playbook).ToArray());
    }

    [Fact]
    public void TopologicalOrder_Ties_EarliestDeclaredFirst()
    {
        var playbook = Playbook(Task("a"), Task("x"), Task("b", "a"), Task("y"));

        Assert.Equal(["a", "x", "b", "y"], TaskGraph.TopologicalOrder(playbook).ToArray());
    }

    [Fact]
    public void TopologicalOrder_DependentDeclaredFirst_ComesRightAfterItsNeed()
    {
        var playbook = Playbook(Task("b", "a"), Task("a"), Task("c"));

        Assert.Equal(["a", "b", "c"], TaskGraph.TopologicalOrder(playbook).ToArray());
    }

    [Fact]
    public void TopologicalOrder_Diamond_EveryTaskAfterAllItsNeeds()
    {
        var playbook = Playbook(Task("join", "left", "right"), Task("right", "top"), Task("left", "top"), Task("top"), Task("tail", "join"));

        var order = TaskGraph.TopologicalOrder(playbook).ToList();

        Assert.Equal(["top", "right", "left", "join", "tail"], order);
        foreach (var task in playbook.Tasks)
        {
            Assert.All(task.Needs, need => Assert.True(order.IndexOf(need.Task) < order.IndexOf(task.Id), $"{need.Task} before {task.Id}"));
        }
    }

    [Fact]
    public void TopologicalOrder_UnknownNeedAndSelfNeed_Ignored()
    {
        var playbook = Playbook(Task("a", "ghost", "a"), Task("b", "a"));

        Assert.Equal(["a", "b"], TaskGraph.TopologicalOrder(playbook).ToArray());
    }

    [Fact]
    public void TopologicalOrder_Cycle_ThrowsNamingPlaybook()
    {
        var playbook = Playbook(Task("a", "c"), Task("b", "a"), Task("c", "b"), Task("free"));

        var error = Assert.Throws<InvalidOperationException>(() => TaskGraph.TopologicalOrder(playbook));

        Assert.Contains("plan-test", error.Message, StringComparison.Ordinal);
        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ancestors_Chain_IsTransitive()
    {
        var playbook = Playbook(Task("a"), Task("b", "a"), Task("c", "b"), Task("d", "c"), Task("other"));

        Assert.Equal(["a", "b", "c"], TaskGraph.Ancestors(playbook, "d").Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Ancestors_Diamond_EachOnceWithoutSelfOrSiblings()
    {
        var playbook = Playbook(Task("top"), Task("left", "top"), Task("right", "top"), Task("join", "left", "right"), Task("side", "top"));

        var ancestors = TaskGraph.Ancestors(playbook, "join");

        Assert.Equal(["left", "right", "top"], ancestors.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Ancestors_Root_IsEmpty()
    {
        var playbook = Playbook(Task("a"), Task("b", "a"));

        Assert.Empty(TaskGraph.Ancestors(playbook, "a"));
    }

    [Fact]
    public void Ancestors_UnknownTaskOrNeed_Ignored()
    {
        var playbook = Playbook(Task("a", "ghost"), Task("b", "a"));

        Assert.Empty(TaskGraph.Ancestors(playbook, "nope"));
        Assert.Equal(["a"], TaskGraph.Ancestors(playbook, "b").ToArray());
    }

    [Fact]
    public void Ancestors_Cycle_TerminatesWithoutSelf()
    {
        var playbook = Playbook(Task("a", "b"), Task("b", "a"), Task("c", "a"));

        Assert.Equal(["a", "b"], TaskGraph.Ancestors(playbook, "c").Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(["b"], TaskGraph.Ancestors(playbook, "a").ToArray());
    }

    [Fact]
    public void FindCycles_Acyclic_None()
    {
        var playbook = Playbook(Task("a"), Task("b", "a"), Task("c", "a", "b"));

        Assert.Empty(TaskGraph.FindCycles(playbook));
    }

    [Fact]
    public void FindCycles_TwoTasks_PathStartsAndEndsWithSameTask()
    {
        var playbook = Playbook(Task("a", "b"), Task("b", "a"));

        var cycle = Assert.Single(TaskGraph.FindCycles(playbook));

        Assert.Equal(["a", "b", "a"], cycle.ToArray());
    }

    [Fact]
    public void FindCycles_ThreeTasksBehindAnAcyclicPrefix_NamesOnlyTheCycle()
    {
        var playbook = Playbook(Task("entry", "x"), Task("x", "y"), Task("y", "z"), Task("z", "x"));

        var cycle = Assert.Single(TaskGraph.FindCycles(playbook));

        Assert.Equal(["x", "y", "z", "x"], cycle.ToArray());
    }

    [Fact]
    public void FindCycles_PathFollowsNeedsDirection()
    {
        var playbook = Playbook(Task("a", "c"), Task("b", "a"), Task("c", "b"));

        var cycle = Assert.Single(TaskGraph.FindCycles(playbook)).ToList();

        for (var i = 0; i < cycle.Count - 1; i++)
        {
            var task = playbook.FindTask(cycle[i])!;
            Assert.Contains(task.Needs, n => n.Task == cycle[i + 1]);
        }

        Assert.Equal(cycle[0], cycle[^1]);
        Assert.Equal(4, cycle.Count);
    }

    [Fact]
    public void FindCycles_TwoSeparateCycles_ReportsBoth()
    {
        var playbook = Playbook(Task("a", "b"), Task("b", "a"), Task("ok"), Task("c", "d"), Task("d", "c"));

        var cycles = TaskGraph.FindCycles(playbook);

        Assert.Equal(2, cycles.Count);
        Assert.Equal(["a", "b", "a"], cycles[0].ToArray());
        Assert.Equal(["c", "d", "c"], cycles[1].ToArray());
    }

    [Fact]
    public void FindCycles_SameCycleReachedTwice_ReportedOnce()
    {
        var playbook = Playbook(Task("p", "a"), Task("q", "b"), Task("a", "b"), Task("b", "a"));

        Assert.Single(TaskGraph.FindCycles(playbook));
    }

    [Fact]
    public void FindCycles_SelfNeed_NotACycleHere()
    {
        var playbook = Playbook(Task("a", "a"));

        Assert.Empty(TaskGraph.FindCycles(playbook));
    }
}
