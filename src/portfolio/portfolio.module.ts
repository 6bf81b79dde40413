import { Module } from '@nestjs/common';
import { InferenceModule } from '../inference/inference.module';
import { MarketDataModule } from '../market-data/market-data.module';
import { ScoresModule } from '../scores/scores.module';
import { MarketProxy } from './market-proxy';
import { PortfolioController } from './portfolio.controller';
import { PortfolioService } from './portfolio.service';
import { SectorBenchmark } from './sector-benchmark';

@Module({
  imports: [MarketDataModule, ScoresModule, InferenceModule],
  controllers: [PortfolioController],
  providers: [PortfolioService, MarketProxy, SectorBenchmark],
  exports: [PortfolioService],
})
export class PortfolioModule {}
