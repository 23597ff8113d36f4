using SessionManager.Hosting;

RuntimeTuning.Apply();
return await DaemonRunner.RunAsync(SessionManagerHost.CreateBuilder(args));
