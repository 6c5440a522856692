import 'reflect-metadata';
import { runService } from '@wozamali/http';
import { AppModule } from './app.module';
import { ApiGatewayEnv } from './config/env';

void runService({ service: 'api-gateway', envClass: ApiGatewayEnv, module: (env) => AppModule.register(env) });
