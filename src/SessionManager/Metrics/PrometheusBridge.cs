using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace SessionManager.Metrics;

/// <summary>
/// Publishes this daemon's <c>SessionManager.*</c> meters in a private prometheus-net registry.
/// prometheus-net's own MeterAdapter sorts and copies the tags of every measurement into new
/// arrays (several allocations per bridged call); this bridge keeps, per instrument, the
/// children by their label values, so a measurement is one dictionary lookup and an add.
/// Only the meters made by this host's <see cref="IMeterFactory"/> are taken: tests run several
/// daemons in one process, and the runtime's meters stay with dotnet-counters.
/// </summary>
internal sealed class PrometheusBridge : IDisposable
{
    /// <summary>Seconds, from 100 µs (an ICP call) to 10 s (a logon near its budget).</summary>
    private static readonly double[] Buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly IMetricFactory _factory;
    private volatile bool _disposed;

    public PrometheusBridge(IMeterFactory meters)
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        _factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Meter.Name.StartsWith(Prefix, StringComparison.Ordinal) && Exported.KindOf(instrument) is { } kind)
            {
                listener.EnableMeasurementEvents(instrument, new Exported(instrument, kind, _factory));
            }
        };
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((Exported)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((Exported)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((Exported)state!).Record(value, tags));
        _listener.Start();

        // Gauges are read at scrape time, not kept up to date.
        Registry.AddBeforeCollectCallback(() =>
        {
            if (!_disposed)
            {
                _listener.RecordObservableInstruments();
            }
        });
    }

    private const string Prefix = "SessionManager.";

    public CollectorRegistry Registry { get; }

    /// <summary>sessionmanager_&lt;area&gt;_&lt;instrument, dots as underscores&gt;, then _seconds for a unit of s and _total for a counter.</summary>
    internal static string PrometheusName(string meter, string instrument, string? unit, bool counter)
    {
        var name = "sessionmanager_" + meter[Prefix.Length..].ToLowerInvariant() + "_" + instrument.Replace('.', '_').Replace('-', '_');
        if (unit == "s" && !name.EndsWith("_seconds", StringComparison.Ordinal))
        {
            name += "_seconds";
        }

        return counter ? name + "_total" : name;
    }

    public void Dispose()
    {
        _disposed = true;
        _listener.Dispose();
    }

    private enum Kind { Counter, ObservedCounter, Gauge, ObservedGauge, Histogram }

    /// <summary>Up to three label values: the key of a child, compared without allocating.</summary>
    private readonly record struct LabelValues(string? A, string? B, string? C)
    {
        public string[] ToArray(int count) => [.. new[] { A!, B!, C! }.Take(count)];
    }

    /// <summary>One instrument's Prometheus collector, created at its first measurement (its label names are those of the measurement).</summary>
    private sealed class Exported(Instrument instrument, Kind kind, IMetricFactory factory)
    {
        private readonly ConcurrentDictionary<LabelValues, object> _children = new();
        private readonly Lock _sync = new();
        private volatile string[]? _labelNames;
        private Collector? _collector;

        public static Kind? KindOf(Instrument instrument) => instrument switch
        {
            Counter<int> or Counter<long> or Counter<double> => Kind.Counter,
            ObservableCounter<int> or ObservableCounter<long> or ObservableCounter<double> => Kind.ObservedCounter,
            UpDownCounter<int> or UpDownCounter<long> or UpDownCounter<double> => Kind.Gauge,
            ObservableGauge<int> or ObservableGauge<long> or ObservableGauge<double> => Kind.ObservedGauge,
            ObservableUpDownCounter<int> or ObservableUpDownCounter<long> or ObservableUpDownCounter<double> => Kind.ObservedGauge,
            Histogram<int> or Histogram<long> or Histogram<double> => Kind.Histogram,
            _ => null,
        };

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (Child(tags) is not { } child)
            {
                return;
            }

            switch (kind)
            {
                case Kind.Counter:
                    ((Counter.Child)child).Inc(value);
                    break;
                case Kind.ObservedCounter:
                    ((Counter.Child)child).IncTo(value);
                    break;
                case Kind.Gauge:
                    ((Gauge.Child)child).Inc(value);
                    break;
                case Kind.ObservedGauge:
                    ((Gauge.Child)child).Set(value);
                    break;
                case Kind.Histogram:
                    ((Histogram.Child)child).Observe(value);
                    break;
            }
        }

        private object? Child(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length > 3)
            {
                return null; // none of ours has more; a label set this wide would be a mistake
            }

            var names = _labelNames ?? CreateCollector(tags);
            if (names.Length != tags.Length)
            {
                return null; // recorded with other labels than its first measurement: not exported
            }

            Span<string?> values = [null, null, null];
            for (int i = 0; i < tags.Length; i++)
            {
                if (!string.Equals(tags[i].Key, names[i], StringComparison.Ordinal))
                {
                    return null;
                }

                values[i] = tags[i].Value as string ?? tags[i].Value?.ToString() ?? "";
            }

            var key = new LabelValues(values[0], values[1], values[2]);
            return _children.TryGetValue(key, out var child) ? child : _children.GetOrAdd(key, NewChild);
        }

        private object NewChild(LabelValues key)
        {
            var labels = key.ToArray(_labelNames!.Length);
            return _collector switch
            {
                Counter c => c.WithLabels(labels),
                Gauge g => g.WithLabels(labels),
                Histogram h => h.WithLabels(labels),
                _ => throw new InvalidOperationException($"no collector for {instrument.Name}"),
            };
        }

        private string[] CreateCollector(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var names = new string[tags.Length];
            for (int i = 0; i < tags.Length; i++)
            {
                names[i] = tags[i].Key;
            }

            lock (_sync)
            {
                if (_labelNames is { } known)
                {
                    return known;
                }

                bool counter = kind is Kind.Counter or Kind.ObservedCounter;
                var name = PrometheusName(instrument.Meter.Name, instrument.Name, instrument.Unit, counter);
                var help = instrument.Description ?? instrument.Name;
                _collector = kind switch
                {
                    Kind.Counter or Kind.ObservedCounter => factory.CreateCounter(name, help, new CounterConfiguration { LabelNames = names }),
                    Kind.Histogram => factory.CreateHistogram(name, help, new HistogramConfiguration { LabelNames = names, Buckets = Buckets }),
                    _ => factory.CreateGauge(name, help, new GaugeConfiguration { LabelNames = names }),
                };
                _labelNames = names;
                return names;
            }
        }
    }
}
