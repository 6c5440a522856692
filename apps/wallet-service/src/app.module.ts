import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@wozamali/platform';
import type { WalletServiceEnv } from './config/env';
import { AdminController, CollectionsController, InternalController, PointsController, WalletsController } from './controllers/wallet.controllers';
import { CatalogRepository } from './ledger/catalog.repository';
import { CatalogService } from './ledger/catalog.service';
import { LedgerReadRepository } from './ledger/ledger-read.repository';
import { LedgerRepository } from './ledger/ledger.repository';
import { WalletService } from './ledger/wallet.service';
import { migrations } from './migrations';

@Module({})
export class AppModule {
  static register(env: WalletServiceEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'wallet-service', env, migrations })],
      controllers: [WalletsController, PointsController, CollectionsController, AdminController, InternalController],
      providers: [LedgerRepository, LedgerReadRepository, CatalogRepository, CatalogService, WalletService],
    };
  }
}
