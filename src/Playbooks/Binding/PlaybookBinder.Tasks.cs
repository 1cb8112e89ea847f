using System.Collections.Immutable;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Syntax;

namespace Orleans.Workflow.Playbooks.Binding;

internal sealed partial class PlaybookBinder
{
    private static readonly string[] TriggerRuleNames = ["all_success", "all_done", "all_failed", "one_failed", "one_success", "none_failed"];

    private ImmutableArray<TaskSpec> BindTasks(YamlNode node)
    {
        if (node is not YamlMapping map)
        {
            Expected(node, "a mapping of task ids to tasks", "tasks");
            return [];
        }

        if (map.Entries.Count == 0)
        {
            Error(map, "playbook has no tasks; add at least one task");
        }

        var tasks = ImmutableArray.CreateBuilder<TaskSpec>();
        foreach (var (key, value) in map.Entries)
        {
            if (!Names.IsId(key.Value))
            {
                Error(key, $"task id '{key.Value}' is invalid: use {Names.IdRule}");
            }

            if (BindTask(key, value) is { } task)
            {
                tasks.Add(task);
            }
        }

        return tasks.ToImmutable();
    }

    private TaskSpec? BindTask(YamlScalar key, YamlNode node)
    {
        var what = $"task '{key.Value}'";
        if (node is not YamlMapping map)
        {
            Expected(node, "a mapping with 'steps'", what);
            return null;
        }

        CheckKeys(map, Keys.Task, what);
        var (needs, upstream) = BindNeeds(map["needs"], what);
        var foreach_ = map["foreach"] is { } foreachNode && !IsNull(foreachNode) ? BindForeach(foreachNode, what) : null;
        var maxParallel = OptionalInt(map, "max_parallel", minimum: 1, maximum: 10_000);
        if (maxParallel is not null && (map["foreach"] is null || IsNull(map["foreach"]!)))
        {
            Error(map["max_parallel"]!, $"{what}: 'max_parallel' applies only to a task with 'foreach'");
        }

        var worker = OptionalQueue(map, what);
        var steps = ImmutableArray<StepSpec>.Empty;
        if (map["steps"] is { } stepsNode)
        {
            steps = BindSteps(stepsNode, what, worker);
        }
        else
        {
            Error(map, $"{what} has no 'steps'; add at least one step");
        }

        return new TaskSpec(
            key.Value,
            needs,
            upstream,
            BindCondition(map["if"], $"{what} 'if'"),
            EnumOf(map, "trigger_rule", TriggerRuleNames, TriggerRule.AllSuccess),
            foreach_,
            maxParallel,
            worker,
            steps,
            BindOutputs(map["outputs"], $"{what} outputs"),
            OptionalDuration(map, "timeout"),
            BindRetry(map["retry"]),
            OptionalText(map, "description"),
            key.Position);
    }

    private ValueTemplate? BindForeach(YamlNode node, string what)
    {
        var reported = _diagnostics.Count;
        var value = BindValue(node);
        if (_diagnostics.Count > reported)
        {
            // An expression that does not parse is reported already; "expected a list" would only repeat it.
            return null;
        }

        var isList = value switch
        {
            LiteralValue { Value: System.Text.Json.Nodes.JsonArray } => true,
            ListValue => true,
            TemplateValue { Template.WholeExpression: not null } => true,
            _ => false,
        };
        if (!isList)
        {
            Expected(node, "a list, or one expression that gives a list", $"{what} 'foreach'");
            return null;
        }

        return value;
    }

    private (ImmutableArray<TaskNeed> Needs, ImmutableArray<UpstreamNeed> Upstream) BindNeeds(YamlNode? node, string what)
    {
        var needs = ImmutableArray.CreateBuilder<TaskNeed>();
        var upstream = ImmutableArray.CreateBuilder<UpstreamNeed>();
        if (node is null || IsNull(node))
        {
            return ([], []);
        }

        var items = node switch
        {
            YamlSequence sequence => sequence.Items,
            YamlScalar => [node],
            _ => null,
        };
        if (items is null)
        {
            Expected(node, "a task id or a list of task ids and {playbook, task, within, wait}", $"{what} 'needs'");
            return ([], []);
        }

        foreach (var item in items)
        {
            switch (item)
            {
                case YamlScalar { IsNull: false } scalar:
                    if (needs.Any(n => n.Task == scalar.Value))
                    {
                        Error(scalar, $"{what} needs '{scalar.Value}' twice");
                    }
                    else
                    {
                        needs.Add(new TaskNeed(scalar.Value, scalar.Position));
                    }

                    break;
                case YamlMapping map:
                    if (BindUpstream(map, what) is { } need)
                    {
                        upstream.Add(need);
                    }

                    break;
                default:
                    Expected(item, "a task id or {playbook, task, within, wait}", $"{what} 'needs'");
                    break;
            }
        }

        return (needs.ToImmutable(), upstream.ToImmutable());
    }

    private UpstreamNeed? BindUpstream(YamlMapping map, string what)
    {
        var context = $"{what} cross-playbook need";
        CheckKeys(map, Keys.UpstreamNeed, context);
        var playbook = RequiredText(map, "playbook", context);
        var task = RequiredText(map, "task", context);
        if (playbook is not null && !Names.IsPlaybookName(playbook))
        {
            Error(map["playbook"]!, $"playbook name '{playbook}' is invalid: use {Names.PlaybookRule}");
        }

        if (task is not null && !Names.IsId(task))
        {
            Error(map["task"]!, $"task id '{task}' is invalid: use {Names.IdRule}");
        }

        TimeSpan? within = null;
        if (map["within"] is { } withinNode)
        {
            within = DurationOf(withinNode, $"{context} 'within'");
        }
        else
        {
            Error(map, $"{context} has no 'within': say how recent the upstream success must be, e.g. within: 24h");
        }

        var wait = OptionalDuration(map, "wait") ?? TimeSpan.Zero;
        return playbook is null || task is null || within is null
            ? null
            : new UpstreamNeed(playbook, task, within.Value, wait, map.Position);
    }

    private ImmutableArray<StepSpec> BindSteps(YamlNode node, string what, string? taskWorker)
    {
        if (node is not YamlSequence sequence)
        {
            Expected(node, "a list of steps", $"{what} 'steps'");
            return [];
        }

        if (sequence.Items.Count == 0)
        {
            Error(sequence, $"{what} has no steps; add at least one step");
        }

        var steps = ImmutableArray.CreateBuilder<StepSpec>();
        var ids = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var step = BindStep(sequence.Items[i], i + 1, what, taskWorker);
            if (step is null)
            {
                continue;
            }

            if (ids.TryGetValue(step.Id, out var first))
            {
                Error(step.Position, $"{what}: duplicate step id '{step.Id}' (first at line {first.Line}, column {first.Column})");
                continue;
            }

            ids.Add(step.Id, step.Position);
            steps.Add(step);
        }

        return steps.ToImmutable();
    }

    private StepSpec? BindStep(YamlNode node, int number, string taskWhat, string? taskWorker)
    {
        if (node is not YamlMapping map)
        {
            Expected(node, "a mapping with 'uses'", $"{taskWhat} step {number}");
            return null;
        }

        var id = $"step-{number}";
        if (map["id"] is { } idNode && Text(idNode, $"{taskWhat} step {number} 'id'") is { } explicitId)
        {
            id = explicitId;
            if (!Names.IsId(id))
            {
                Error(idNode, $"step id '{id}' is invalid: use {Names.IdRule}");
            }
        }

        var what = $"step '{id}' of {taskWhat}";
        CheckKeys(map, Keys.Step, what);
        string? plugin = null;
        string? version = null;
        if (RequiredText(map, "uses", what) is { } uses)
        {
            if (!Names.IsPluginReference(uses))
            {
                Error(map["uses"]!, $"plugin '{uses}' is invalid: use {Names.PluginRule}");
            }

            var at = uses.IndexOf('@', StringComparison.Ordinal);
            (plugin, version) = at < 0 ? (uses, null) : (uses[..at], uses[(at + 1)..]);
        }

        var worker = OptionalQueue(map, what);
        var queueTimeout = OptionalDuration(map, "queue_timeout");
        var heartbeatTimeout = OptionalDuration(map, "heartbeat_timeout");
        if ((worker ?? taskWorker) is null)
        {
            foreach (var key in new[] { "queue_timeout", "heartbeat_timeout" })
            {
                if (map[key] is { } timeoutNode)
                {
                    Error(timeoutNode, $"{what}: '{key}' applies only to steps on an external worker (set 'worker' on the step or its task)");
                }
            }
        }

        return plugin is null
            ? null
            : new StepSpec(
                id,
                plugin,
                version,
                map["with"] is { } with ? BindValue(with) : null,
                BindCondition(map["if"], $"{what} 'if'"),
                BindRetry(map["retry"]),
                OptionalDuration(map, "timeout"),
                queueTimeout,
                heartbeatTimeout,
                OptionalBool(map, "continue_on_error") ?? false,
                worker,
                OptionalText(map, "description"),
                map.Position);
    }

    private string? OptionalQueue(YamlMapping map, string what)
    {
        var worker = OptionalText(map, "worker");
        if (worker is not null && !Names.IsQueueName(worker))
        {
            Error(map["worker"]!, $"{what}: worker queue '{worker}' is invalid: use {Names.QueueRule}");
        }

        return worker;
    }
}
