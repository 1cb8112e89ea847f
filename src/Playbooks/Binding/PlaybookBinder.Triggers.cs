using System.Collections.Immutable;
using Cronos;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Syntax;
using Orleans.Workflow.Playbooks.Validation;

namespace Orleans.Workflow.Playbooks.Binding;

internal sealed partial class PlaybookBinder
{
    private static readonly string[] CatchupNames = ["none", "latest", "all"];
    private static readonly string[] OverlapNames = ["skip", "queue", "allow"];
    private static readonly string[] OutcomeNames = ["succeeded", "failed", "cancelled", "timed_out", "any"];

    private Triggers BindTriggers(YamlNode? node)
    {
        if (node is null || IsNull(node))
        {
            return Triggers.Empty;
        }

        if (node is not YamlMapping map)
        {
            Expected(node, "a mapping with 'schedule', 'events' or 'after'", "on");
            return Triggers.Empty;
        }

        CheckKeys(map, Keys.On, "on");
        var schedules = ImmutableArray.CreateBuilder<ScheduleSpec>();
        foreach (var entry in ListOf(map["schedule"]))
        {
            if (BindSchedule(entry) is { } schedule)
            {
                schedules.Add(schedule);
            }
        }

        var events = ImmutableArray.CreateBuilder<string>();
        if (map["events"] is { } eventsNode && !IsNull(eventsNode))
        {
            foreach (var name in TextList(eventsNode, "on.events"))
            {
                if (!Names.IsEventName(name.Value))
                {
                    Error(name, $"event name '{name.Value}' is invalid: use {Names.EventRule}");
                }
                else if (events.Contains(name.Value))
                {
                    Error(name, $"event '{name.Value}' is listed twice");
                }
                else
                {
                    events.Add(name.Value);
                }
            }
        }

        var after = ImmutableArray.CreateBuilder<AfterSpec>();
        foreach (var entry in ListOf(map["after"]))
        {
            if (BindAfter(entry) is { } spec)
            {
                after.Add(spec);
            }
        }

        return new Triggers(schedules.ToImmutable(), events.ToImmutable(), after.ToImmutable());
    }

    /// <summary>A list, or a single mapping standing for a one-item list.</summary>
    private static IReadOnlyList<YamlNode> ListOf(YamlNode? node) => node switch
    {
        null => [],
        YamlScalar { IsNull: true } => [],
        YamlSequence sequence => sequence.Items,
        _ => [node],
    };

    private ScheduleSpec? BindSchedule(YamlNode node)
    {
        if (node is not YamlMapping map)
        {
            Expected(node, "a mapping {cron, timezone, catchup, catchup_window, overlap, params}", "on.schedule entry");
            return null;
        }

        CheckKeys(map, Keys.Schedule, "schedule");
        var cronText = RequiredText(map, "cron", "schedule");
        CronExpression? cron = null;
        if (cronText is not null)
        {
            cron = ParseCron(map["cron"]!, cronText);
        }

        var zoneId = OptionalText(map, "timezone") ?? "UTC";
        var zone = FindTimeZone(zoneId);
        if (zone is null)
        {
            Error(map["timezone"]!, $"unknown time zone '{zoneId}': use an IANA name such as Europe/Berlin or America/New_York");
        }

        var catchup = EnumOf(map, "catchup", CatchupNames, CatchupPolicy.Latest);
        var overlap = EnumOf(map, "overlap", OverlapNames, OverlapPolicy.Skip);
        var window = OptionalDuration(map, "catchup_window") ?? ScheduleSpec.DefaultCatchupWindow;
        var parameters = ImmutableArray.CreateBuilder<KeyValuePair<string, ValueTemplate>>();
        if (map["params"] is { } paramsNode && !IsNull(paramsNode))
        {
            if (paramsNode is YamlMapping paramsMap)
            {
                foreach (var (key, value) in paramsMap.Entries)
                {
                    parameters.Add(new(key.Value, BindValue(value)));
                }
            }
            else
            {
                Expected(paramsNode, "a mapping of param names to values", "schedule params");
            }
        }

        return cron is null || zone is null
            ? null
            : new ScheduleSpec(cronText!, cron, zoneId, zone, catchup, window, overlap, parameters.ToImmutable(), map.Position);
    }

    private CronExpression? ParseCron(YamlNode node, string text)
    {
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var format = fields switch
        {
            5 => CronFormat.Standard,
            6 => CronFormat.IncludeSeconds,
            _ => (CronFormat?)null,
        };
        if (format is null)
        {
            Error(node, $"cron '{text}' has {fields} fields; use 5 (minute hour day month weekday) or 6 (seconds first)");
            return null;
        }

        CronExpression cron;
        try
        {
            cron = CronExpression.Parse(text, format.Value);
        }
        catch (CronFormatException ex)
        {
            Error(node, $"cron '{text}' is invalid: {ex.Message}");
            return null;
        }

        if (cron.GetNextOccurrence(DateTime.UtcNow) is null)
        {
            Error(node, $"cron '{text}' never fires: no date matches its day and month fields");
            return null;
        }

        return cron;
    }

    internal static TimeZoneInfo? FindTimeZone(string id)
    {
        if (id is "UTC" or "Etc/UTC")
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            return null;
        }
        catch (InvalidTimeZoneException)
        {
            return null;
        }
        catch (Exception ex) when (ex is System.Security.SecurityException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // An id naming a folder of the zone database ("America") or an unreadable file is no time zone either.
            return null;
        }
    }

    private AfterSpec? BindAfter(YamlNode node)
    {
        if (node is not YamlMapping map)
        {
            Expected(node, "a mapping {playbook, status}", "on.after entry");
            return null;
        }

        CheckKeys(map, Keys.After, "on.after entry");
        var playbook = RequiredText(map, "playbook", "on.after entry");
        if (playbook is not null && !Names.IsPlaybookName(playbook))
        {
            Error(map["playbook"]!, $"playbook name '{playbook}' is invalid: use {Names.PlaybookRule}");
        }

        var statuses = ImmutableArray.CreateBuilder<RunOutcome>();
        if (map["status"] is { } statusNode && !IsNull(statusNode))
        {
            foreach (var status in TextList(statusNode, "on.after status"))
            {
                var index = Array.IndexOf(OutcomeNames, status.Value);
                if (index < 0)
                {
                    Error(status, $"unknown run status '{status.Value}'{Suggestions.Hint(status.Value, OutcomeNames)}; use one of {string.Join(", ", OutcomeNames)}");
                }
                else if (status.Value == "any")
                {
                    statuses.AddRange(Enum.GetValues<RunOutcome>());
                }
                else
                {
                    statuses.Add((RunOutcome)index);
                }
            }
        }
        else
        {
            statuses.Add(RunOutcome.Succeeded);
        }

        return playbook is null ? null : new AfterSpec(playbook, [.. statuses.Distinct()], map.Position);
    }

    private TEnum EnumOf<TEnum>(YamlMapping map, string key, string[] names, TEnum fallback)
        where TEnum : struct, Enum
    {
        if (map[key] is not { } node || IsNull(node))
        {
            return fallback;
        }

        if (node is YamlScalar scalar)
        {
            var index = Array.IndexOf(names, scalar.Value);
            if (index >= 0)
            {
                return (TEnum)(object)index;
            }

            Error(node, $"unknown {key} '{scalar.Value}'{Suggestions.Hint(scalar.Value, names)}; use one of {string.Join(", ", names)}");
            return fallback;
        }

        Expected(node, $"one of {string.Join(", ", names)}", $"'{key}'");
        return fallback;
    }
}
