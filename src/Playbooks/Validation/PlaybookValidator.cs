using System.Collections.Frozen;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Params;
using Orleans.Workflow.Playbooks.Planning;

namespace Orleans.Workflow.Playbooks.Validation;

/// <summary>
/// The checks that need the whole playbook: the task graph (unknown needs, cycles), what each expression
/// may read (upstream tasks, earlier steps, declared params), plugins, and schedule params.
/// </summary>
public sealed class PlaybookValidator
{
    private static readonly FrozenSet<string> RunFields =
        FrozenSet.ToFrozenSet(["id", "playbook", "version", "attempt", "started_at", "logical_date", "trigger", "owner"], StringComparer.Ordinal);

    private static readonly FrozenSet<string> TriggerFields =
        FrozenSet.ToFrozenSet(["kind", "scheduled_at", "event", "name", "event_id"], StringComparer.Ordinal);

    private static readonly Lazy<FrozenSet<string>> JavaScriptGlobals = new(LoadJavaScriptGlobals);

    private readonly Playbook _playbook;
    private readonly PlaybookValidationOptions _options;
    private readonly List<Diagnostic> _diagnostics = [];
    private readonly Dictionary<string, TaskSpec> _tasks = new(StringComparer.Ordinal);
    private TaskAncestry _ancestry = null!;

    private PlaybookValidator(Playbook playbook, PlaybookValidationOptions options)
    {
        _playbook = playbook;
        _options = options;
    }

    public static IReadOnlyList<Diagnostic> Validate(Playbook playbook, PlaybookValidationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(playbook);
        var validator = new PlaybookValidator(playbook, options ?? PlaybookValidationOptions.Default);
        validator.Run();
        return validator._diagnostics;
    }

    private void Run()
    {
        foreach (var task in _playbook.Tasks)
        {
            _tasks.TryAdd(task.Id, task);
        }

        CheckNeeds();
        CheckCycles();
        _ancestry = TaskGraph.Ancestry(_playbook);

        CheckParams();
        CheckSchedules();
        foreach (var task in _playbook.Tasks)
        {
            CheckTask(task);
        }

        Func<string, bool> allTasks = _ => true;
        foreach (var output in _playbook.Outputs)
        {
            CheckValue(output.Value, new ExpressionScopeRules($"run output '{output.Name}'", true, allTasks, null, false, false));
        }
    }

    private void Error(SourcePosition position, string message) => _diagnostics.Add(new Diagnostic(_playbook.File, position, message));

    private void CheckNeeds()
    {
        foreach (var task in _playbook.Tasks)
        {
            foreach (var need in task.Needs)
            {
                if (need.Task == task.Id)
                {
                    Error(need.Position, $"task '{task.Id}' needs itself");
                }
                else if (!_tasks.ContainsKey(need.Task))
                {
                    Error(need.Position, $"task '{task.Id}' needs unknown task '{need.Task}'{Suggestions.Hint(need.Task, _tasks.Keys)}");
                }
            }
        }
    }

    private void CheckCycles()
    {
        foreach (var cycle in TaskGraph.FindCycles(_playbook))
        {
            var closing = _tasks[cycle[^2]].Needs.First(n => n.Task == cycle[^1]);
            Error(closing.Position, $"tasks form a cycle: {string.Join(" -> ", cycle)} (each needs the next)");
        }
    }

    private void CheckParams()
    {
        foreach (var param in _playbook.Params)
        {
            if (param.Default is { } value)
            {
                CheckValue(value, ExpressionScopeRules.RunOnly($"default of param '{param.Name}'"));
            }
        }

        var names = _playbook.Params.Select(p => p.Name).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            foreach (var duplicate in _playbook.Params.GroupBy(p => p.Name).Where(g => g.Count() > 1).SelectMany(g => g.Skip(1)))
            {
                Error(duplicate.Position, $"param '{duplicate.Name}' is declared twice");
            }
        }
    }

    private void CheckSchedules()
    {
        foreach (var after in _playbook.On.After.Where(a => a.Playbook == _playbook.Name))
        {
            Error(after.Position, $"on.after names this playbook itself ('{after.Playbook}'): each run would start the next one forever; use a schedule or name another playbook");
        }

        foreach (var schedule in _playbook.On.Schedules)
        {
            foreach (var (name, value) in schedule.Params)
            {
                var param = _playbook.Params.FirstOrDefault(p => p.Name == name);
                if (param is null)
                {
                    Error(value.Position, $"schedule sets unknown param '{name}'{Suggestions.Hint(name, _playbook.Params.Select(p => p.Name))}");
                    continue;
                }

                if (value is LiteralValue literal && !ParamCoercion.TryCoerce(param, literal.Value, out _, out var problem))
                {
                    Error(value.Position, $"schedule param '{name}' does not fit type {ParamTypes.Name(param.Type)}: {problem}");
                }

                CheckValue(value, ExpressionScopeRules.RunOnly($"schedule param '{name}'"));
            }
        }
    }

    private void CheckTask(TaskSpec task)
    {
        Func<string, bool> upstream = candidate => _ancestry.IsAncestor(candidate, task.Id);
        var taskRules = new ExpressionScopeRules($"task '{task.Id}'", true, upstream, null, false, true);
        if (task.If is { } condition)
        {
            CheckTemplate(condition, taskRules with { Where = $"'if' of task '{task.Id}'" });
        }

        if (task.Foreach is { } items)
        {
            CheckValue(items, taskRules with { Where = $"'foreach' of task '{task.Id}'" });
        }

        var earlier = new List<string>();
        foreach (var step in task.Steps)
        {
            var stepRules = new ExpressionScopeRules($"step '{step.Id}' of task '{task.Id}'", true, upstream, [.. earlier], task.IsForeach, true);
            if (step.If is { } stepCondition)
            {
                CheckTemplate(stepCondition, stepRules);
            }

            if (step.With is { } with)
            {
                CheckValue(with, stepRules);
            }

            CheckPlugin(task, step);
            earlier.Add(step.Id);
        }

        foreach (var output in task.Outputs)
        {
            CheckValue(output.Value, new ExpressionScopeRules($"output '{output.Name}' of task '{task.Id}'", true, upstream, earlier, task.IsForeach, false));
        }
    }

    private void CheckPlugin(TaskSpec task, StepSpec step)
    {
        if (Playbook.EffectiveWorker(task, step) is not null || _options.KnownPlugins.Contains(step.Uses))
        {
            return;
        }

        Error(step.Position, $"step '{step.Id}' of task '{task.Id}' uses unknown plugin '{step.Uses}'{Suggestions.Hint(step.Uses, _options.KnownPlugins)}; known: {string.Join(", ", _options.KnownPlugins.Order(StringComparer.Ordinal))} (a task type of an external worker needs 'worker: QUEUE')");
    }

    private void CheckValue(ValueTemplate value, ExpressionScopeRules rules)
    {
        foreach (var (template, _) in value.Templates())
        {
            CheckTemplate(template, rules);
        }
    }

    private void CheckTemplate(Template template, ExpressionScopeRules rules)
    {
        foreach (var segment in template.Segments)
        {
            if (segment.Expression is not { } expression)
            {
                continue;
            }

            foreach (var reference in expression.References)
            {
                var problem = CheckReference(reference, rules);
                if (problem is not null)
                {
                    Error(template.PositionOf(segment.Offset + reference.Offset), $"in {rules.Where}: {problem}");
                }
            }
        }
    }

    private string? CheckReference(ExpressionReference reference, ExpressionScopeRules rules)
    {
        var path = reference.Path;
        var first = path.IsEmpty ? null : path[0];
        switch (reference.Root)
        {
            case "params":
                if (!rules.Params)
                {
                    return "params are not in scope here (only 'run' is)";
                }

                return first is not null && !_playbook.Params.Any(p => p.Name == first)
                    ? $"unknown param '{first}'{Suggestions.Hint(first, _playbook.Params.Select(p => p.Name))}"
                    : null;

            case "run":
                if (first is not null && !RunFields.Contains(first))
                {
                    return $"unknown field 'run.{first}'{Suggestions.Hint(first, RunFields)}; run has {string.Join(", ", RunFields.Order(StringComparer.Ordinal))}";
                }

                return first == "trigger" && path.Length > 1 && !TriggerFields.Contains(path[1])
                    ? $"unknown field 'run.trigger.{path[1]}'{Suggestions.Hint(path[1], TriggerFields)}; run.trigger has kind, scheduled_at, event, name, event_id"
                    : null;

            case "tasks":
                return CheckTaskReference(path, rules);

            case "steps":
                return CheckStepReference(path, rules);

            case "item" or "index":
                return rules.Item ? null : $"'{reference.Root}' is only in scope in the steps and outputs of a task with 'foreach'";

            case "secrets":
                return rules.Secrets ? null : "secrets cannot be used here: they are never stored, and outputs and params are";

            default:
                return JavaScriptGlobals.Value.Contains(reference.Root)
                    ? null
                    : $"unknown name '{reference.Root}'{Suggestions.Hint(reference.Root, ExpressionScope.Names)}; in scope: {string.Join(", ", ExpressionScope.Names)}";
        }
    }

    private string? CheckTaskReference(System.Collections.Immutable.ImmutableArray<string> path, ExpressionScopeRules rules)
    {
        if (rules.Tasks is null)
        {
            return "tasks are not in scope here (only 'run' is)";
        }

        if (path.IsEmpty)
        {
            return null;
        }

        var id = path[0];
        if (!_tasks.ContainsKey(id))
        {
            return $"unknown task '{id}'{Suggestions.Hint(id, _tasks.Keys)}";
        }

        if (!rules.Tasks(id))
        {
            return $"task '{id}' is not upstream of this point: add it to 'needs' (directly or through a task it needs)";
        }

        return path.Length > 1 && path[1] is not ("outputs" or "status")
            ? $"unknown field 'tasks.{id}.{path[1]}'{Suggestions.Hint(path[1], ["outputs", "status"])}; a task has outputs and status"
            : null;
    }

    private static string? CheckStepReference(System.Collections.Immutable.ImmutableArray<string> path, ExpressionScopeRules rules)
    {
        if (rules.Steps is null)
        {
            return "steps are not in scope here (only within a task's steps and outputs)";
        }

        if (path.IsEmpty)
        {
            return null;
        }

        var id = path[0];
        if (!rules.Steps.Contains(id))
        {
            var earlier = rules.Steps.Count == 0 ? "none" : string.Join(", ", rules.Steps);
            return $"step '{id}' has not run yet at this point{Suggestions.Hint(id, rules.Steps)}; earlier steps: {earlier}";
        }

        return path.Length > 1 && path[1] is not ("output" or "status")
            ? $"unknown field 'steps.{id}.{path[1]}'{Suggestions.Hint(path[1], ["output", "status"])}; a step has output and status"
            : null;
    }

    private static FrozenSet<string> LoadJavaScriptGlobals()
    {
        var engine = new Jint.Engine();
        var names = engine.Evaluate("Object.getOwnPropertyNames(globalThis).join(',')").ToString();
        return names.Split(',').Where(n => !ExpressionScope.Names.Contains(n)).ToFrozenSet(StringComparer.Ordinal);
    }
}
