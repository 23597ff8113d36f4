namespace SessionManager.LogonStorm;

/// <summary>Nearest-rank percentiles of a sample, for the figures table.</summary>
internal sealed record Percentiles(double Min, double P50, double P99, double Max, int Count)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Percentiles(double.NaN, double.NaN, double.NaN, double.NaN, 0);
        }

        double rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles(sorted[0], rank(0.50), rank(0.99), sorted[^1], sorted.Length);
    }
}
