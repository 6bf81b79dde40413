import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { ScoresModule } from '../scores/scores.module';
import { ScanSymbolEvaluator } from './scan-symbol.evaluator';
import { ScansController } from './scans.controller';
import { ScansService } from './scans.service';

@Module({
  imports: [MarketDataModule, ScoresModule],
  controllers: [ScansController],
  providers: [ScansService, ScanSymbolEvaluator],
  exports: [ScansService],
})
export class ScansModule {}
