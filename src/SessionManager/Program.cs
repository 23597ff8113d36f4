using SessionManager.Hosting;

RuntimeTuning.Apply();
return await DaemonRunner.RunAsync(args);
