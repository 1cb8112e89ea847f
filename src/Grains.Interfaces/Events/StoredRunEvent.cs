namespace Orleans.Workflow.Events;

/// <summary>An event as the history keeps it: its position in the store (increasing per store) and the event.</summary>
[GenerateSerializer]
[Alias("owf.StoredRunEvent")]
public sealed record StoredRunEvent([property: Id(0)] long Position, [property: Id(1)] RunEvent Event);
