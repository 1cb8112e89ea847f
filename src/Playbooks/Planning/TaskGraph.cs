using System.Collections.Immutable;
using Orleans.Workflow.Playbooks.Model;

namespace Orleans.Workflow.Playbooks.Planning;

/// <summary>The graph of a playbook's tasks, with edges from each task to the tasks it needs.</summary>
public static class TaskGraph
{
    /// <summary>Every task <paramref name="taskId"/> needs, directly or through others (unknown ids ignored).</summary>
    public static HashSet<string> Ancestors(Playbook playbook, string taskId)
    {
        ArgumentNullException.ThrowIfNull(playbook);
        return Ancestors(Index(playbook), taskId);
    }

    /// <summary>Which tasks precede which, for every task at once (bitsets in topological order).</summary>
    public static TaskAncestry Ancestry(Playbook playbook)
    {
        ArgumentNullException.ThrowIfNull(playbook);
        return new TaskAncestry(playbook);
    }

    internal static HashSet<string> Ancestors(Dictionary<string, TaskSpec> byId, string taskId)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(taskId);
        while (pending.Count > 0)
        {
            if (!byId.TryGetValue(pending.Pop(), out var task))
            {
                continue;
            }

            foreach (var need in task.Needs)
            {
                if (byId.ContainsKey(need.Task) && result.Add(need.Task))
                {
                    pending.Push(need.Task);
                }
            }
        }

        result.Remove(taskId);
        return result;
    }

    /// <summary>
    /// Each distinct cycle as a path that starts and ends with the same task, in "needs" direction:
    /// <c>[a, b, a]</c> means a needs b and b needs a.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> FindCycles(Playbook playbook)
    {
        ArgumentNullException.ThrowIfNull(playbook);
        var byId = Index(playbook);
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1: on the stack, 2: done
        var stack = new List<string>();
        var cycles = new List<IReadOnlyList<string>>();
        var reported = new HashSet<string>(StringComparer.Ordinal);

        foreach (var task in playbook.Tasks)
        {
            Visit(task.Id);
        }

        return cycles;

        void Visit(string id)
        {
            if (state.GetValueOrDefault(id) == 2)
            {
                return;
            }

            state[id] = 1;
            stack.Add(id);
            foreach (var need in byId[id].Needs)
            {
                if (!byId.ContainsKey(need.Task) || need.Task == id)
                {
                    continue;
                }

                if (state.GetValueOrDefault(need.Task) == 1)
                {
                    var cycle = stack.Skip(stack.IndexOf(need.Task)).Append(need.Task).ToList();
                    var key = string.Join("\n", cycle.Skip(1).Order(StringComparer.Ordinal));
                    if (reported.Add(key))
                    {
                        cycles.Add(cycle);
                    }
                }
                else
                {
                    Visit(need.Task);
                }
            }

            stack.RemoveAt(stack.Count - 1);
            state[id] = 2;
        }
    }

    /// <summary>Tasks ordered so each comes after every task it needs; ties keep declaration order.</summary>
    /// <exception cref="InvalidOperationException">The graph has a cycle.</exception>
    public static ImmutableArray<string> TopologicalOrder(Playbook playbook)
    {
        ArgumentNullException.ThrowIfNull(playbook);
        var byId = Index(playbook);
        var remaining = playbook.Tasks.ToDictionary(
            t => t.Id,
            t => t.Needs.Count(n => byId.ContainsKey(n.Task) && n.Task != t.Id),
            StringComparer.Ordinal);
        var dependents = playbook.Tasks.ToDictionary(t => t.Id, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var task in playbook.Tasks)
        {
            foreach (var need in task.Needs.Where(n => byId.ContainsKey(n.Task) && n.Task != task.Id))
            {
                dependents[need.Task].Add(task.Id);
            }
        }

        var order = ImmutableArray.CreateBuilder<string>(playbook.Tasks.Length);
        var ready = new PriorityQueue<string, int>();
        var position = playbook.Tasks.Select((t, i) => (t.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);
        foreach (var (id, count) in remaining)
        {
            if (count == 0)
            {
                ready.Enqueue(id, position[id]);
            }
        }

        while (ready.TryDequeue(out var id, out _))
        {
            order.Add(id);
            foreach (var dependent in dependents[id])
            {
                if (--remaining[dependent] == 0)
                {
                    ready.Enqueue(dependent, position[dependent]);
                }
            }
        }

        return order.Count == playbook.Tasks.Length
            ? order.MoveToImmutable()
            : throw new InvalidOperationException($"playbook '{playbook.Name}' has a cycle among its tasks");
    }

    internal static Dictionary<string, TaskSpec> Index(Playbook playbook)
    {
        var byId = new Dictionary<string, TaskSpec>(StringComparer.Ordinal);
        foreach (var task in playbook.Tasks)
        {
            byId.TryAdd(task.Id, task);
        }

        return byId;
    }
}
