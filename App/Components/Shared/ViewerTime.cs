using System.Globalization;

namespace Undb.Components.Shared;

/// <summary>
/// Times as the viewer reads them: in the browser's time zone, in the app's one date format. Blazor renders on the
/// server, so the zone comes from the browser once per circuit (<see cref="ViewerTimeZone"/>); until then (the
/// prerender, the first interactive render) times are shown in UTC and say so. MainLayout cascades the current one,
/// so every <see cref="LocalTime"/> re-renders once the zone is known.
/// </summary>
public sealed record ViewerTime(TimeZoneInfo? Zone)
{
    /// <summary>The one format for a moment in time throughout the app.</summary>
    public const string Format = "d MMM yyyy HH:mm:ss";

    public static readonly ViewerTime Unknown = new((TimeZoneInfo?)null);

    /// <summary>The zone for an IANA id from the browser (<c>Europe/Berlin</c>); unknown (so UTC, labelled) if the server has no such zone.</summary>
    public static ViewerTime For(string? ianaId)
    {
        if (string.IsNullOrWhiteSpace(ianaId))
        {
            return Unknown;
        }
        try
        {
            return new ViewerTime(TimeZoneInfo.FindSystemTimeZoneById(ianaId));
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return Unknown;
        }
    }

    /// <summary>Times are shown in UTC (the zone is not known yet, or is UTC), so a label may need to say so.</summary>
    public bool ShowsUtc => Zone is null || Zone.BaseUtcOffset == TimeSpan.Zero && !Zone.SupportsDaylightSavingTime;

    /// <summary>The moment a calendar day starts where the viewer is (midnight in their zone; in UTC while it is not known).</summary>
    public DateTimeOffset StartOf(DateTime day) => At(day.Date);

    /// <summary>
    /// The moment a wall-clock time names where the viewer is (in UTC while their zone is not known): what a date and a
    /// time picked in a form mean. A time the clocks skip or repeat takes the zone's standard offset.
    /// </summary>
    public DateTimeOffset At(DateTime wallClock)
    {
        var local = DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified);
        return Zone is null ? new DateTimeOffset(local, TimeSpan.Zero) : new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }

    /// <summary>The wall-clock time where the viewer is at <paramref name="at"/> (UTC while their zone is not known): what a form's date and time pickers show.</summary>
    public DateTime WallClock(DateTimeOffset at) => (Zone is null ? at.UtcDateTime : TimeZoneInfo.ConvertTime(at, Zone).DateTime);

    /// <summary>"22 Nov 2026 16:35:20" in the viewer's zone; "22 Nov 2026 15:35:20 UTC" while it is not known (or is UTC).</summary>
    public string Local(DateTimeOffset at) => ShowsUtc ? Utc(at) : TimeZoneInfo.ConvertTime(at, Zone!).ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>Both, for a tooltip where the text is relative ("5 min ago"): "22 Nov 2026 16:35:20 (22 Nov 2026 15:35:20 UTC)".</summary>
    public string Both(DateTimeOffset at) => ShowsUtc ? Utc(at) : $"{Local(at)} ({Utc(at)})";

    /// <summary>"22 Nov 2026 15:35:20 UTC", for the tooltip.</summary>
    public string Utc(DateTimeOffset at) => at.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture) + " UTC";
}

/// <summary>The browser's time zone, asked once per circuit (scoped); see <see cref="ViewerTime"/>.</summary>
public sealed class ViewerTimeZone
{
    public ViewerTime Current { get; private set; } = ViewerTime.Unknown;

    public bool Asked { get; private set; }

    public void Set(string? ianaId)
    {
        Asked = true;
        Current = ViewerTime.For(ianaId);
    }
}
