using System.Diagnostics;

namespace Undb.Infrastructure.Telemetry;

/// <summary>
/// The app's spans (source "Undb"): <c>undb.records.write</c> around a record write, and <c>undb.webhooks.deliver</c>
/// around each delivery attempt of its events — a child of the write's span, even when sent later or by another
/// instance, because the delivery row keeps the write's <c>traceparent</c>. Only started while a tracer listens.
/// </summary>
public static class AppTracing
{
    public static readonly ActivitySource Source = new("Undb");

    /// <summary>The W3C <c>traceparent</c> of a span, or null (no span: nothing listens).</summary>
    public static string? TraceParent(Activity? activity) => activity?.IdFormat == ActivityIdFormat.W3C ? activity.Id : null;

    /// <summary>A stored <c>traceparent</c> as a parent for a new span; default when there is none or it does not parse.</summary>
    public static ActivityContext Parent(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) ? context : default;
}
