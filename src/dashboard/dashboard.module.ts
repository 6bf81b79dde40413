import { Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module';
import { MarketDataModule } from '../market-data/market-data.module';
import { StateModule } from '../state/state.module';
import { WarmupModule } from '../warmup/warmup.module';
import { DashboardAssets } from './dashboard-assets';
import { DashboardAuthGuard } from './dashboard-auth.guard';
import { DashboardSessions } from './dashboard-sessions';
import { DashboardLoginFilter } from './dashboard-login.filter';
import { DashboardPageController } from './dashboard-page.controller';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';
import { StatsHistory } from './stats-history';

/** The live cache dashboard: an HTML page, its assets, and the JSON it polls. Wiring only. */
@Module({
  imports: [AdminModule, MarketDataModule, WarmupModule, StateModule],
  controllers: [DashboardPageController, DashboardController],
  providers: [DashboardAssets, DashboardAuthGuard, DashboardSessions, DashboardLoginFilter, DashboardService, StatsHistory],
})
export class DashboardModule {}
