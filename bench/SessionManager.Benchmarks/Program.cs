using System.Reflection;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Metrology;

namespace SessionManager.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        // Results go to bench/SessionManager.Benchmarks/BenchmarkDotNet.Artifacts (git-ignored)
        // rather than into whatever directory `dotnet run` was started from. Allocations are
        // shown in bytes: the point is to account for every object, and "1.05 KB" hides that.
        var config = DefaultConfig.Instance
            .WithArtifactsPath(Path.Combine(ProjectDirectory(), "BenchmarkDotNet.Artifacts"))
            .WithSummaryStyle(SummaryStyle.Default.WithSizeUnit(SizeUnit.B));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }

    private static string ProjectDirectory() =>
        typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ProjectDirectory")?.Value
        ?? AppContext.BaseDirectory;
}
