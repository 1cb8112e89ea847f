using System.Collections;
using Orleans.Workflow.Playbooks.Model;

namespace Orleans.Workflow.Playbooks.Planning;

/// <summary>
/// Answers "does task A precede task B through <c>needs</c>?" for a whole playbook. Built once: a bitset of
/// ancestors per task, each the union of its needs' bitsets, in topological order. A graph with a cycle
/// (already an error) falls back to a search per task.
/// </summary>
public sealed class TaskAncestry
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly BitArray[] _ancestors;
    private readonly Dictionary<string, HashSet<string>>? _fallback;

    internal TaskAncestry(Playbook playbook)
    {
        for (var i = 0; i < playbook.Tasks.Length; i++)
        {
            _index.TryAdd(playbook.Tasks[i].Id, i);
        }

        _ancestors = new BitArray[playbook.Tasks.Length];
        if (TaskGraph.FindCycles(playbook).Count > 0)
        {
            var byId = TaskGraph.Index(playbook);
            _fallback = byId.Keys.ToDictionary(id => id, id => TaskGraph.Ancestors(byId, id), StringComparer.Ordinal);
            return;
        }

        foreach (var id in TaskGraph.TopologicalOrder(playbook))
        {
            var position = _index[id];
            var set = new BitArray(playbook.Tasks.Length);
            foreach (var need in playbook.Tasks[position].Needs)
            {
                if (_index.TryGetValue(need.Task, out var upstream) && upstream != position)
                {
                    set.Or(_ancestors[upstream]);
                    set[upstream] = true;
                }
            }

            _ancestors[position] = set;
        }
    }

    /// <summary>True when <paramref name="ancestor"/> is needed by <paramref name="task"/>, directly or through others.</summary>
    public bool IsAncestor(string ancestor, string task)
    {
        if (_fallback is not null)
        {
            return _fallback.TryGetValue(task, out var set) && set.Contains(ancestor);
        }

        return _index.TryGetValue(task, out var t) && _index.TryGetValue(ancestor, out var a) && _ancestors[t] is { } bits && bits[a];
    }
}
