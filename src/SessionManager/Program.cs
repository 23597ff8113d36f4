using SessionManager.Hosting;

RuntimeTuning.Apply();
CoreDumpGuard.Apply();
return await DaemonRunner.RunAsync(args);
